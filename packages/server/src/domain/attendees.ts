/**
 * Invited attendees: how a `RestAttendeeDTO` (REST) becomes an `AttendeeNotifyDTO` item of `AttendeesNotify`
 * (push), and how an edited attendee list is matched against the current one.
 */
import type { Item } from '@confpush/protocol';

/** `RestAttendeeDTO` (create/edit) and in-meeting `Attendee` (invite), after schema validation. */
export interface AttendeeInput {
  userUUID?: string;
  accountId?: string;
  appId?: string;
  name?: string;
  role?: number;
  phone?: string;
  phone2?: string;
  phone3?: string;
  email?: string;
  sms?: string;
  isMute?: number;
  isAutoInvite?: number;
  type?: string;
  address?: string;
  deptUUID?: string;
  deptName?: string;
  uniqueType?: number;
}

/** The identity an attendee is matched by across edits: number first, then account, user, e-mail. */
export function attendeeIdentity(a: {
  phone?: unknown;
  accountId?: unknown;
  userUUID?: unknown;
  email?: unknown;
}): string {
  for (const [prefix, v] of [
    ['phone', a.phone],
    ['account', a.accountId],
    ['user', a.userUUID],
    ['email', a.email],
  ] as const) {
    if (typeof v === 'string' && v !== '') return `${prefix}:${v}`;
  }
  return '';
}

/** The push item of an attendee. Empty optional fields are omitted, as in Huawei's example. */
export function attendeeItem(input: AttendeeInput, participantID: string, orgID: string): Item {
  const item: Item = { participantID, mode: 0 };
  const put = (key: string, value: unknown): void => {
    if (value !== undefined && value !== '') item[key] = value;
  };
  put('userUUID', input.userUUID);
  put('phone', input.phone);
  put('name', input.name ?? input.accountId ?? input.phone ?? '');
  put('accountId', input.accountId);
  item['role'] = input.role === 1 ? 1 : 0;
  put('email', input.email);
  put('sms', input.sms);
  item['isMute'] = input.isMute === 1 ? 1 : 0;
  item['isAutoInvite'] = input.isAutoInvite === 1 ? 1 : 0;
  item['type'] = input.type ?? 'normal';
  // Huawei: "hard-terminal room information".
  if (isHardTerminalType(item['type'])) put('address', input.address);
  put('deptUUID', input.deptUUID);
  put('deptName', input.deptName);
  item['orgID'] = orgID;
  // For an App ID enterprise the account an attendee is invited by is its third-party account (§8.4 example);
  // never taken from the caller.
  put('thirdAccount', input.accountId);
  item['hidePhone'] = false;
  item['isNotOverlayPidName'] = false;
  // Additive fields (not in AttendeeNotifyDTO) so that the attendee list is the one source of truth.
  put('phone2', input.phone2);
  put('phone3', input.phone3);
  put('appId', input.appId);
  if (input.uniqueType !== undefined) item['uniqueType'] = input.uniqueType;
  return item;
}

/** Hard terminals count separately from soft clients in `ConferenceInfo` (`terminlCount` / `normalCount`). */
export function isHardTerminal(item: Item): boolean {
  return isHardTerminalType(item['type']);
}

function isHardTerminalType(type: unknown): boolean {
  return (
    type === 'terminal' ||
    type === 'ideahub' ||
    type === 'board' ||
    type === 'hwvision' ||
    type === 'telepresence'
  );
}
