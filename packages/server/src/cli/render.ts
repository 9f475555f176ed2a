/**
 * The terminal view of `confpush watch`: `render(view, options)` is a pure function from the SDK's typed
 * meeting state (plus what the watcher remembers: recent invitation results and captions, connection counters,
 * the time) to lines of text, so it can be tested without a terminal. Text measuring and cutting is in
 * text.ts, colours in palette.ts, and redrawing in place in terminal.ts.
 *
 *     MeetingSession views ─► MeetingView ─► render() ─► string[] ─► redrawSequence() ─► stdout (TTY)
 *                                                                 └─► lines + '\n'    ─► stdout (pipe, --once)
 *
 * Text that comes from the network (names, numbers, captions, the subject) is stripped of control characters
 * before it reaches the terminal, so a participant cannot move the cursor or recolour the screen.
 */
import type {
  BasicInfo,
  ConfStatus,
  ConnectionState,
  InviteResult,
  NetCondition,
  Participant,
  Speaker,
  Subtitle,
  WaitingMember,
} from '@confpush/client';
import { palette, type Palette } from './palette.js';
import { pad, sanitize, truncate, displayWidth } from './text.js';

/** Everything the view shows. `MeetingSession` provides the meeting part; the watcher adds the rest. */
export interface MeetingView {
  readonly conferenceID: string;
  readonly basicInfo: BasicInfo | undefined;
  readonly status: ConfStatus | undefined;
  /** Online participants by `pid`, in arrival order. */
  readonly participants: ReadonlyMap<string, Participant>;
  /** Media quality by participant ID. */
  readonly netConditions: ReadonlyMap<string, NetCondition>;
  /** Up to three loudest speakers. */
  readonly speakers: readonly Speaker[];
  readonly waitingList: ReadonlyMap<string, WaitingMember>;
  /** Invitation results and leave reasons as they arrived, oldest first (the view shows the last five). */
  readonly inviteResults: readonly InviteResult[];
  /** Captions as they arrived, oldest first (the view shows the last three). */
  readonly captions: readonly Subtitle[];
  /** Names of participants seen earlier, by `pid` (a caption of someone who left still says who spoke). */
  readonly knownNames?: ReadonlyMap<string, string> | undefined;
  readonly connection: ConnectionSummary;
  /** Epoch ms the view is drawn at (the meeting's duration is measured to it). */
  readonly now: number;
}

export interface ConnectionSummary {
  readonly state: ConnectionState;
  readonly reconnects: number;
  /** Categories resumed after a reconnect (incrementals replayed). */
  readonly resumes: number;
  /** Full messages that replaced a category's state after its first one (`rebuilt` other than `initial`). */
  readonly rebuilds: number;
  /** Why the connection is not live (the last transient error), shown next to the state. */
  readonly detail?: string | undefined;
}

export interface RenderOptions {
  /** Terminal columns; every line is cut to this display width. */
  readonly width: number;
  /** Terminal rows; when given, the roster is shortened so that the view fits. */
  readonly height?: number | undefined;
  /** ANSI colours and bold (only for a TTY with `NO_COLOR` unset, see `colorEnabled`). */
  readonly color: boolean;
}

export const MAX_INVITE_RESULTS = 5;
export const MAX_CAPTIONS = 3;
const MIN_WIDTH = 20;

// --- the view -----------------------------------------------------------------------------------------------

const MEETING_STATES: Readonly<Record<string, string>> = {
  Schedule: 'scheduled',
  Created: 'in progress',
  Destroyed: 'ended',
};

/** What an invitation-result code means (Huawei §8.7): 0 succeeded, the leave reasons, any other failed. */
export function inviteResultMeaning(result: InviteResult): string {
  if (result.leaveReason) return `left: ${result.leaveReason}`;
  if (result.resultCode === undefined) return 'no result code';
  return result.succeeded ? 'call succeeded' : 'call failed';
}

/** `h:mm:ss` (or `m:ss` under an hour) of a non-negative duration in ms. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

function roleText(p: Participant): string {
  if (p.role === 'host') return 'host';
  if (p.coHost) return 'co-host';
  if (p.role === 'audience') return 'audience';
  if (p.role === 'participant') return 'participant';
  return p.role ?? '-';
}

function roleRank(p: Participant): number {
  return p.role === 'host' ? 0 : p.coHost ? 1 : p.role === 'audience' ? 3 : 2;
}

function flagText(on: boolean | undefined, yes: string, no: string): string {
  return on === undefined ? '-' : on ? yes : no;
}

interface Column {
  header: string;
  /** Preferred width; the name and number columns shrink to `min` when the terminal is narrow. */
  width: number;
  min: number;
  cell: (p: Participant) => string;
  paint?: (p: Participant, text: string) => string;
}

function rosterColumns(view: MeetingView, c: Palette): Column[] {
  const net = (p: Participant) => view.netConditions.get(p.pid)?.netInfo;
  const speaking = new Set(view.speakers.map((s) => s.pid));
  return [
    {
      header: 'NAME',
      width: 24,
      min: 8,
      cell: (p) => sanitize(p.name ?? p.pid),
      paint: (p, t) => (speaking.has(p.pid) ? c.bold(t) : t),
    },
    { header: 'NUMBER', width: 20, min: 6, cell: (p) => sanitize(p.tel ?? '-') },
    {
      header: 'ROLE',
      width: 11,
      min: 11,
      cell: roleText,
      paint: (p, t) => (roleRank(p) < 2 ? c.cyan(t) : t),
    },
    {
      header: 'STATE',
      width: 10,
      min: 10,
      cell: (p) => (p.state === 'in-meeting' ? 'in meeting' : (p.state ?? '-')),
      paint: (p, t) => (p.state === 'calling' ? c.yellow(t) : t),
    },
    {
      header: 'MIC',
      width: 5,
      min: 5,
      cell: (p) => flagText(p.muted, 'muted', 'on'),
      paint: (p, t) => (p.muted ? c.red(t) : p.muted === false ? c.green(t) : t),
    },
    {
      header: 'HAND',
      width: 4,
      min: 4,
      cell: (p) => (p.handUp ? 'up' : '-'),
      paint: (p, t) => (p.handUp ? c.yellow(c.bold(t)) : t),
    },
    {
      header: 'SHARE',
      width: 5,
      min: 5,
      cell: (p) => (p.sharing ? 'yes' : '-'),
      paint: (p, t) => (p.sharing ? c.cyan(t) : t),
    },
    { header: 'CAM', width: 3, min: 3, cell: (p) => flagText(p.camera, 'on', 'off') },
    {
      header: 'NET',
      width: 6,
      min: 6,
      cell: (p) => sanitize(net(p) ?? '-'),
      paint: (p, t) => {
        const q = net(p);
        return q === 'good' ? c.green(t) : q === 'normal' ? c.yellow(t) : q === 'bad' ? c.red(t) : t;
      },
    },
  ];
}

const GAP = '  ';

/** Fits the flexible columns (name, number) into `width`: natural widths first, then shrunk to their minimum. */
function layout(columns: Column[], rows: readonly Participant[], width: number): number[] {
  const widths = columns.map((col, i) => {
    if (i > 1) return col.width;
    const natural = Math.max(col.header.length, ...rows.map((p) => displayWidth(col.cell(p))));
    return Math.min(col.width, natural);
  });
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1);
  for (const i of [0, 1]) {
    const excess = total() - width;
    if (excess <= 0) break;
    widths[i] = Math.max(columns[i]!.min, widths[i]! - excess);
  }
  return widths;
}

function rosterLines(view: MeetingView, rows: readonly Participant[], width: number, c: Palette): string[] {
  const columns = rosterColumns(view, c);
  const widths = layout(columns, rows, width);
  const last = columns.length - 1;
  const cell = (text: string, i: number) => (i === last ? truncate(text, widths[i]!) : pad(text, widths[i]!));
  const header = columns.map((col, i) => cell(col.header, i)).join(GAP);
  const lines = [c.dim(header.trimEnd())];
  for (const p of rows) {
    const cells = columns.map((col, i) => {
      const text = cell(col.cell(p), i);
      return col.paint ? col.paint(p, text) : text;
    });
    lines.push(cells.join(GAP).trimEnd());
  }
  return lines;
}

function volumeBar(volume: number, max: number, width: number): string {
  const filled = Math.round((Math.max(0, Math.min(volume, max)) / max) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

function speakerLines(view: MeetingView, width: number, c: Palette): string[] {
  const top = view.speakers.slice(0, 3);
  if (top.length === 0) return [c.dim('nobody is speaking')];
  const names = top.map((s) => sanitize(s.name ?? view.participants.get(s.pid)?.name ?? s.pid));
  const nameWidth = Math.min(20, Math.max(...names.map(displayWidth)));
  // Huawei sends volumes of 0–100; scale to the loudest when a server sends more.
  const max = Math.max(100, ...top.map((s) => s.speakingVolume ?? 0));
  const barWidth = Math.max(5, Math.min(30, width - nameWidth - 8));
  return top.map((s, i) => {
    const volume = s.speakingVolume ?? 0;
    return `${pad(names[i]!, nameWidth)} ${c.green(volumeBar(volume, max, barWidth))} ${String(volume).padStart(3)}`;
  });
}

function waitingLines(view: MeetingView, limit: number, c: Palette): string[] {
  const members = [...view.waitingList.values()];
  const lines = members.slice(0, limit).map((m) => {
    const name = sanitize(m.name ?? m.pid);
    const tel = m.tel ? ` ${sanitize(m.tel)}` : '';
    return `${name}${tel}${m.waitingState === 'admitted' ? c.dim(' (admitted, joining)') : ''}`;
  });
  if (members.length > limit) lines.push(c.dim(`… and ${members.length - limit} more`));
  return lines;
}

function inviteLines(view: MeetingView, c: Palette): string[] {
  const recent = view.inviteResults.slice(-MAX_INVITE_RESULTS);
  const numberWidth = Math.min(20, Math.max(0, ...recent.map((r) => displayWidth(sanitize(r.callNumber)))));
  const codeWidth = Math.max(0, ...recent.map((r) => (r.resultCode ?? '-').length));
  return recent.map((r) => {
    const code = sanitize(r.resultCode ?? '-');
    const meaning = inviteResultMeaning(r);
    const paint = r.succeeded ? c.green : r.leaveReason ? c.yellow : c.red;
    return `${pad(sanitize(r.callNumber), numberWidth)}  ${paint(pad(code, codeWidth))}  ${meaning}`;
  });
}

function captionText(subtitle: Subtitle): string {
  const [first, ...rest] = subtitle.msgs;
  const parts = first?.translateText !== undefined ? [sanitize(first.translateText)] : [];
  for (const m of rest) {
    if (m.translateText !== undefined)
      parts.push(`[${sanitize(m.subtitleLang ?? '?')}] ${sanitize(m.translateText)}`);
  }
  return parts.join('  ');
}

function captionLines(view: MeetingView, c: Palette): string[] {
  return view.captions.slice(-MAX_CAPTIONS).map((s) => {
    const pid = s.participantID;
    const who = pid
      ? sanitize(view.participants.get(pid)?.name ?? view.knownNames?.get(pid) ?? pid)
      : 'caption';
    const text = captionText(s);
    return `${c.bold(who)}: ${s.isFinal === false ? c.dim(`${text} …`) : text}`;
  });
}

function headerLines(view: MeetingView, c: Palette): string[] {
  const { basicInfo: info, status, connection } = view;
  const title = sanitize(info?.title ?? '(no subject)');
  const state = status?.state;
  const stateText = state === undefined ? 'unknown' : (MEETING_STATES[state] ?? sanitize(state));
  const paintState = state === 'Created' ? c.green : state === 'Destroyed' ? c.red : c.yellow;
  const parts = [`conferenceID ${sanitize(info?.displayID ?? view.conferenceID)}`, paintState(stateText)];
  if (info?.startTime !== undefined && state === 'Created') {
    parts.push(`duration ${formatDuration(view.now - info.startTime)}`);
  }
  const onOff = (label: string, on: boolean | undefined) =>
    `${label} ${on === undefined ? '-' : on ? c.yellow('on') : 'off'}`;
  const flags = [
    onOff('lock', status?.lock),
    onOff('mute-all', status?.mute),
    onOff('recording', status?.recording),
    onOff('captions', status?.realTimeSubtitle),
  ];
  const conn = connection.state;
  const paintConn = conn === 'live' ? c.green : conn === 'closed' ? c.red : c.yellow;
  const detail = conn !== 'live' && connection.detail ? ` (${sanitize(connection.detail)})` : '';
  const connectionLine = [
    `connection ${paintConn(conn)}${detail}`,
    `reconnects ${connection.reconnects}`,
    `resumes ${connection.resumes}`,
    `rebuilds ${connection.rebuilds}`,
  ];
  return [c.bold(title), parts.join(' · '), flags.join('  '), c.dim(connectionLine.join(' · '))];
}

function section(title: string, c: Palette): string {
  return c.bold(title);
}

/**
 * The whole view as lines (no trailing newlines). Every line fits `options.width` columns; with
 * `options.height`, the roster is shortened (with a "… and N more" line) so that the lines fit the screen.
 */
export function render(view: MeetingView, options: RenderOptions): string[] {
  const width = Math.max(MIN_WIDTH, Math.floor(options.width));
  const c = palette(options.color);
  const participants = [...view.participants.values()].sort((a, b) => roleRank(a) - roleRank(b));

  const top = headerLines(view, c);
  const speakers = ['', section('SPEAKERS', c), ...speakerLines(view, width, c)];
  const waiting =
    view.waitingList.size > 0
      ? ['', section(`WAITING ROOM (${view.waitingList.size})`, c), ...waitingLines(view, 5, c)]
      : [];
  const invites =
    view.inviteResults.length > 0 ? ['', section('INVITATION RESULTS', c), ...inviteLines(view, c)] : [];
  const captions = view.captions.length > 0 ? ['', section('CAPTIONS', c), ...captionLines(view, c)] : [];
  const rosterTitle = ['', section(`PARTICIPANTS (${participants.length})`, c)];

  let rows = participants;
  let more = 0;
  if (options.height !== undefined) {
    const fixed =
      top.length +
      rosterTitle.length +
      1 +
      speakers.length +
      waiting.length +
      invites.length +
      captions.length;
    const room = Math.max(1, Math.floor(options.height) - fixed);
    if (participants.length > room) {
      rows = participants.slice(0, Math.max(1, room - 1));
      more = participants.length - rows.length;
    }
  }
  const roster =
    participants.length === 0 ? [c.dim('nobody is in the meeting')] : rosterLines(view, rows, width, c);
  if (more > 0) roster.push(c.dim(`… and ${more} more`));

  const lines = [...top, ...rosterTitle, ...roster, ...speakers, ...waiting, ...invites, ...captions];
  const fitted = lines.map((line) => truncate(line, width));
  return options.height === undefined ? fitted : fitted.slice(0, Math.max(1, Math.floor(options.height)));
}
