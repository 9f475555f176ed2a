/**
 * Typed views of the media-side categories: speakers, media quality, invitation results, live captions and
 * interpreter groups (reference §8.5–8.8, §8.10).
 */
import { compact, flag, isPlainObject, num, objects, str, type Raw } from './coerce.js';

export interface Speaker {
  readonly pid: string;
  readonly name?: string;
  readonly speakingVolume?: number;
}

/** `SpeakerChangeNotify.data`: up to three loudest sites; absent means nobody speaks. */
export function parseSpeakers(value: unknown): Speaker[] {
  return objects(value).flatMap((item) => {
    const pid = str(item, 'pid');
    if (pid === undefined) return [];
    return [compact<Speaker>({ pid, name: str(item, 'name'), speakingVolume: num(item, 'speakingVolume') })];
  });
}

/** Media quality of one participant (MCU meetings). Units as Huawei documents them (see each field). */
export interface NetCondition {
  readonly participantID: string;
  /** Transport quality rating, e.g. `"good"`. */
  readonly netInfo?: string;
  /** Round-trip time, ms. */
  readonly delay?: number;
  /** Jitter terminal → server, ms. */
  readonly jitter?: number;
  /** Jitter server → terminal, ms. */
  readonly outJitter?: number;
  readonly audioCodecType?: string;
  readonly videoCodecType?: string;
  /** Audio traffic, unit 100 bit/s. */
  readonly fluxIn?: number;
  readonly fluxOut?: number;
  /** Loss rates, unit 0.01 % (1000 = 10 %). */
  readonly lostPacketRate?: number;
  readonly audioOutLossPacketRate?: number;
  readonly videoInLossPacketRate?: number;
  readonly videoOutLossPacketRate?: number;
  readonly assistVideoInLossPacketRate?: number;
  readonly assistVideoOutLossPacketRate?: number;
  readonly videoFluxIn?: number;
  readonly videoFluxOut?: number;
  readonly assistVideoFluxIn?: number;
  readonly assistVideoFluxOut?: number;
  readonly bandwidth?: number;
  readonly raw: Readonly<Raw>;
}

const NET_NUMBERS = [
  'delay',
  'jitter',
  'outJitter',
  'fluxIn',
  'fluxOut',
  'lostPacketRate',
  'audioOutLossPacketRate',
  'videoInLossPacketRate',
  'videoOutLossPacketRate',
  'assistVideoInLossPacketRate',
  'assistVideoOutLossPacketRate',
  'videoFluxIn',
  'videoFluxOut',
  'assistVideoFluxIn',
  'assistVideoFluxOut',
  'bandwidth',
] as const;

export function parseNetCondition(key: string, item: Raw): NetCondition {
  const { mode: _mode, ...raw } = item;
  const numbers: Partial<Record<(typeof NET_NUMBERS)[number], number>> = {};
  for (const field of NET_NUMBERS) {
    const value = num(item, field);
    if (value !== undefined) numbers[field] = value;
  }
  const strings = compact<Pick<NetCondition, 'netInfo' | 'audioCodecType' | 'videoCodecType'>>({
    netInfo: str(item, 'netInfo'),
    audioCodecType: str(item, 'audioCodecType'),
    videoCodecType: str(item, 'videoCodecType'),
  });
  return { participantID: key, ...strings, ...numbers, raw };
}

/** Leave reasons that `InviteResultNotify` reports with the code of a site that left (§8.7). */
export const LEAVE_REASONS: Readonly<Record<string, string>> = {
  '11111001': 'MCU received no media and hung up (network)',
  '11111002': 'The site sent no media and was hung up (network or client fault)',
  '11111003': 'SIP signalling timeout (network)',
  '11111004': 'WebSocket timeout (network)',
  '11076002': 'The host hung the site up from a soft client',
  '11076010': 'The site hung up or left by itself',
  '11076016': 'The site was hung up by the Portal',
};

export interface InviteResult {
  readonly callNumber: string;
  /** `resultCode` (example) or `errorCode` (table); `"0"` is a successful call. */
  readonly resultCode?: string;
  readonly succeeded: boolean;
  /** Set when the code is a documented leave reason rather than an invitation result. */
  readonly leaveReason?: string;
  readonly raw: Readonly<Raw>;
}

export function parseInviteResult(callNumber: string, item: Raw): InviteResult {
  const resultCode = str(item, 'resultCode', 'errorCode');
  const leaveReason = resultCode === undefined ? undefined : LEAVE_REASONS[resultCode];
  return compact<InviteResult>({
    callNumber,
    resultCode,
    succeeded: resultCode === '0',
    leaveReason,
    raw: item,
  });
}

export interface SubtitleText {
  /** `Original`, `Mandarin`, `English`. */
  readonly subtitleLang?: string;
  readonly translateText?: string;
  readonly id?: string;
}

/** The latest caption (`RealTimeSubtitleNotify.data`). */
export interface Subtitle {
  readonly msgs: readonly SubtitleText[];
  /** The sentence is complete. */
  readonly isFinal?: boolean;
  readonly timestamp?: number;
  readonly beginTime?: number;
  readonly endTime?: number;
  /** The speaking site. */
  readonly participantID?: string;
  readonly raw: Readonly<Raw>;
}

export function parseSubtitle(value: unknown): Subtitle | undefined {
  if (!isPlainObject(value)) return undefined;
  const msgs = objects(value['msgs']).map((m) =>
    compact<SubtitleText>({
      subtitleLang: str(m, 'subtitleLang'),
      translateText: str(m, 'translateText'),
      id: str(m, 'id'),
    }),
  );
  const base = compact<Omit<Subtitle, 'msgs' | 'raw'>>({
    isFinal: flag(value, 'isFinal'),
    timestamp: num(value, 'timestamp'),
    beginTime: num(value, 'beginTime'),
    endTime: num(value, 'endTime'),
    participantID: str(value, 'participantID'),
  });
  return { msgs, ...base, raw: value };
}

export interface Interpreter {
  readonly loginAccount?: string;
  readonly userID?: string;
  readonly callNumber?: string;
  readonly name?: string;
  /** `MANUAL` or `AI`. */
  readonly interpreterType?: string;
  readonly interpreterId?: string;
  readonly aiDigitalInfo?: Readonly<Raw>;
}

export interface InterpreterGroup {
  /** `groupID` (example, API) or `groupId` (table). */
  readonly groupId?: string;
  readonly groupName?: string;
  readonly firstLanguage?: string;
  readonly secondLanguage?: string;
  /** `MANUAL` (default) or `AI`. */
  readonly groupType?: string;
  readonly interpreters: readonly Interpreter[];
  readonly raw: Readonly<Raw>;
}

/** The groups arrive under `interpreterGroups` (example) or `data` (table); the replica reads either. */
export function parseInterpreterGroups(value: unknown): InterpreterGroup[] {
  return objects(value).map((group) => {
    const interpreters = objects(group['interpreters']).map((i) =>
      compact<Interpreter>({
        loginAccount: str(i, 'loginAccount'),
        userID: str(i, 'userID', 'userId'),
        callNumber: str(i, 'callNumber'),
        name: str(i, 'name'),
        interpreterType: str(i, 'interpreterType'),
        interpreterId: str(i, 'interpreterId', 'interpreterID'),
        aiDigitalInfo: isPlainObject(i['aiDigitalInfo']) ? i['aiDigitalInfo'] : undefined,
      }),
    );
    const base = compact<Omit<InterpreterGroup, 'interpreters' | 'raw'>>({
      groupId: str(group, 'groupID', 'groupId'),
      groupName: str(group, 'groupName'),
      firstLanguage: str(group, 'firstLanguage'),
      secondLanguage: str(group, 'secondLanguage'),
      groupType: str(group, 'groupType'),
    });
    return { ...base, interpreters, raw: group };
  });
}
