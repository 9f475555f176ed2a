/** Typed view of `AttendeesNotify` items (`AttendeeNotifyDTO`, reference §8.4). */
import { compact, flag, num, str, type Raw } from './coerce.js';

/** Number types of an attendee (`type`); other values pass through. */
export type AttendeeType =
  | 'normal'
  | 'terminal'
  | 'outside'
  | 'anonymous'
  | 'telepresence'
  | 'mobile'
  | 'telephone'
  | 'customnumber'
  | 'board'
  | (string & {});

/** A participant invited when the meeting was scheduled (or added to the attendee list later). */
export interface Attendee {
  /** The identity the list is keyed by: `participantID`, else `phone`, `userUUID`, `accountId`. */
  readonly key: string;
  readonly userUUID?: string;
  readonly participantID?: string;
  readonly phone?: string;
  readonly name?: string;
  readonly accountId?: string;
  /** `role`: 1 host, 0 ordinary participant. */
  readonly role?: 'host' | 'participant' | 'unknown';
  readonly email?: string;
  readonly sms?: string;
  /** Muted automatically on joining (`isMute`). */
  readonly isMute?: boolean;
  /** Invited automatically when the meeting starts (`isAutoInvite`). */
  readonly isAutoInvite?: boolean;
  readonly type?: AttendeeType;
  readonly address?: string;
  readonly deptUUID?: string;
  readonly deptName?: string;
  /** `orgId` in the table, `orgID` in the example. */
  readonly orgId?: string;
  readonly thirdAccount?: string;
  readonly hidePhone?: boolean;
  readonly isNotOverlayPidName?: boolean;
  /** The item as received (without `mode`), including fields the SDK does not interpret. */
  readonly raw: Readonly<Raw>;
}

export type AttendeeField = Exclude<keyof Attendee, 'key' | 'raw'>;

export function parseAttendee(key: string, item: Raw): Attendee {
  const { mode: _mode, ...raw } = item;
  const role = num(item, 'role');
  const base = compact<Omit<Attendee, 'key' | 'raw'>>({
    userUUID: str(item, 'userUUID'),
    participantID: str(item, 'participantID'),
    phone: str(item, 'phone'),
    name: str(item, 'name'),
    accountId: str(item, 'accountId', 'accountID'),
    role: role === undefined ? undefined : role === 1 ? 'host' : role === 0 ? 'participant' : 'unknown',
    email: str(item, 'email'),
    sms: str(item, 'sms'),
    isMute: flag(item, 'isMute'),
    isAutoInvite: flag(item, 'isAutoInvite'),
    type: str(item, 'type'),
    address: str(item, 'address'),
    deptUUID: str(item, 'deptUUID'),
    deptName: str(item, 'deptName'),
    orgId: str(item, 'orgId', 'orgID'),
    thirdAccount: str(item, 'thirdAccount'),
    hidePhone: flag(item, 'hidePhone'),
    isNotOverlayPidName: flag(item, 'isNotOverlayPidName'),
  });
  return { key, ...base, raw };
}
