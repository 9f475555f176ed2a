/** The panels around the roster: connection, status bar, speakers, waiting room, captions, activity. */
import type { ConfStatus, Participant, Speaker, Subtitle, WaitingMember } from '@confpush/client';
import { clockTime, h, replaceChildren, setAttr, setText } from '../dom.js';
import { initials, meetingStateLabel } from '../format.js';
import type { Tone } from './bits.js';

export type ConnectionKind = 'connecting' | 'live' | 'reconnecting' | 'rebuilt' | 'closed' | 'ended';

/** Live / reconnecting / rebuilt, announced politely to screen readers. */
export class ConnectionIndicator {
  readonly element = h('div', {
    class: 'conn',
    testid: 'connection-indicator',
    role: 'status',
    'data-state': 'connecting',
  });
  readonly #label = h('span', { class: 'conn-label' }, 'Connecting…');

  constructor() {
    this.element.append(h('span', { class: 'conn-dot', 'aria-hidden': 'true' }), this.#label);
  }

  get kind(): ConnectionKind {
    return this.element.getAttribute('data-state') as ConnectionKind;
  }

  set(kind: ConnectionKind, label: string, detail?: string): void {
    setAttr(this.element, 'data-state', kind);
    setText(this.#label, label);
    setAttr(this.element, 'title', detail ?? null);
  }
}

export interface StatusActions {
  lock(locked: boolean): void;
  muteAll(mute: boolean): void;
}

interface Stat {
  element: HTMLElement;
  value: HTMLElement;
}

function stat(testid: string, label: string): Stat {
  const value = h('span', { class: 'stat-value' }, '—');
  return {
    element: h('div', { class: 'stat', testid }, h('span', { class: 'stat-label' }, label), value),
    value,
  };
}

function setStat(s: Stat, value: string, text: string, tone: Tone): void {
  setAttr(s.element, 'data-value', value);
  setAttr(s.element, 'data-tone', tone);
  setText(s.value, text);
}

/** A stat that is on or off: its value, text and tone in each case. */
function setSwitch(
  s: Stat,
  on: boolean | undefined,
  whenOn: readonly [value: string, text: string, tone: Tone],
  whenOff: readonly [value: string, text: string, tone: Tone],
): void {
  setStat(s, ...(on ? whenOn : whenOff));
}

/** State, lock, mute-all, recording and captions of `ConfDynamicInfoNotify`, with Lock and Mute all. */
export class StatusBar {
  readonly element: HTMLElement;
  readonly #state = stat('status-state', 'Meeting');
  readonly #lock = stat('status-lock', 'Entry');
  readonly #mute = stat('status-mute', 'Microphones');
  readonly #recording = stat('status-recording', 'Recording');
  readonly #captions = stat('status-captions', 'Captions');
  readonly #lockButton = h('button', { type: 'button', class: 'btn', testid: 'lock-toggle' });
  readonly #muteButton = h('button', { type: 'button', class: 'btn', testid: 'mute-all-toggle' });
  #status: ConfStatus | undefined;

  constructor(actions: StatusActions) {
    this.#lockButton.addEventListener('click', () => actions.lock(!this.#status?.lock));
    this.#muteButton.addEventListener('click', () => actions.muteAll(!this.#status?.mute));
    this.element = h(
      'div',
      { class: 'status-bar', testid: 'status-bar', role: 'group', 'aria-label': 'Meeting status' },
      h(
        'div',
        { class: 'stats' },
        [this.#state, this.#lock, this.#mute, this.#recording, this.#captions].map((s) => s.element),
      ),
      h('div', { class: 'toolbar' }, this.#muteButton, this.#lockButton),
    );
  }

  render(status: ConfStatus | undefined, pending: ReadonlySet<string>, enabled: boolean): void {
    this.#status = status;
    const state = meetingStateLabel(status?.state);
    setStat(this.#state, status?.state ?? 'unknown', status ? state.label : '—', state.tone as Tone);
    setSwitch(this.#lock, status?.lock, ['locked', 'Locked', 'warn'], ['unlocked', 'Open', 'good']);
    setSwitch(this.#mute, status?.mute, ['muted', 'All muted', 'warn'], ['open', 'Open', 'good']);
    setSwitch(this.#recording, status?.recording, ['on', 'Recording', 'bad'], ['off', 'Off', 'muted']);
    setSwitch(this.#captions, status?.realTimeSubtitle, ['on', 'On', 'good'], ['off', 'Off', 'muted']);
    const locking = pending.has('lock');
    this.#lockButton.disabled = !enabled || !status || locking;
    setText(this.#lockButton, locking ? 'Working…' : status?.lock ? 'Unlock meeting' : 'Lock meeting');
    setAttr(this.#lockButton, 'aria-pressed', String(status?.lock === true));
    const muting = pending.has('muteAll');
    this.#muteButton.disabled = !enabled || !status || muting;
    setText(this.#muteButton, muting ? 'Working…' : status?.mute ? 'Unmute all' : 'Mute all');
    setAttr(this.#muteButton, 'aria-pressed', String(status?.mute === true));
  }
}

/** The (up to three) loudest participants, with a level meter. */
export class SpeakersStrip {
  readonly #list = h('ul', { class: 'speaker-list' });
  readonly #empty = h('span', { class: 'speakers-empty' }, 'Nobody is speaking');
  readonly element = h(
    'div',
    { class: 'speakers', testid: 'speakers-strip', 'aria-label': 'Speaking now' },
    h('span', { class: 'speakers-label' }, 'Speaking'),
    this.#list,
    this.#empty,
  );
  #shown = '';

  render(speakers: readonly Speaker[], participants: ReadonlyMap<string, Participant>): void {
    const items = speakers.map((s) => ({
      pid: s.pid,
      name: participants.get(s.pid)?.name || s.name || s.pid,
      level: Math.max(0, Math.min(100, s.speakingVolume ?? 50)),
    }));
    const shown = JSON.stringify(items);
    if (shown === this.#shown) return;
    this.#shown = shown;
    replaceChildren(
      this.#list,
      items.map((s) => {
        const meter = h(
          'span',
          { class: 'level', 'aria-hidden': 'true' },
          h('span', { class: 'level-fill' }),
        );
        meter.style.setProperty('--level', `${s.level}%`);
        return h(
          'li',
          { class: 'speaker-chip', testid: `speaker-${s.pid}` },
          h('span', { class: 'avatar avatar-small', 'aria-hidden': 'true' }, initials(s.name)),
          h('span', {}, s.name),
          meter,
        );
      }),
    );
    this.#empty.hidden = items.length > 0;
  }
}

export interface WaitingActions {
  admit(pid: string | 'all'): void;
}

/** `WaitingListNotify`: who waits, with Admit and Admit all. */
export class WaitingRoom {
  readonly #list = h('ul', { class: 'list', testid: 'waiting-list' });
  readonly #count = h('span', { class: 'count', testid: 'waiting-count' }, '0');
  readonly #empty = h('p', { class: 'empty' }, 'Nobody is waiting.');
  readonly #admitAll = h(
    'button',
    { type: 'button', class: 'btn btn-small', testid: 'admit-all' },
    'Admit all',
  );
  readonly #actions: WaitingActions;
  readonly element: HTMLElement;
  #shown = '';

  constructor(actions: WaitingActions) {
    this.#actions = actions;
    this.#admitAll.addEventListener('click', () => actions.admit('all'));
    this.element = h(
      'section',
      { class: 'panel', 'aria-labelledby': 'waiting-heading', testid: 'waiting-room' },
      h(
        'div',
        { class: 'panel-head' },
        h('h2', { id: 'waiting-heading' }, 'Waiting room ', this.#count),
        this.#admitAll,
      ),
      this.#list,
      this.#empty,
    );
  }

  render(waiting: ReadonlyMap<string, WaitingMember>, pending: ReadonlySet<string>, enabled: boolean): void {
    const members = [...waiting.values()].sort((a, b) => (a.joinedAt ?? 0) - (b.joinedAt ?? 0));
    const shown = JSON.stringify([
      members.map((m) => [m.pid, m.name, m.tel, m.waitingState]),
      [...pending],
      enabled,
    ]);
    setText(this.#count, String(members.length));
    this.#empty.hidden = members.length > 0;
    this.#admitAll.disabled = !enabled || members.length === 0 || pending.has('admit:all');
    if (shown === this.#shown) return;
    this.#shown = shown;
    replaceChildren(
      this.#list,
      members.map((m) => {
        const name = m.name || m.pid;
        const busy = pending.has(`admit:${m.pid}`) || pending.has('admit:all');
        return h(
          'li',
          { class: 'list-row', testid: `waiting-row-${m.pid}` },
          h('span', { class: 'avatar avatar-small', 'aria-hidden': 'true' }, initials(name)),
          h(
            'span',
            { class: 'who-text' },
            h('span', { class: 'strong' }, name),
            h(
              'span',
              { class: 'sub' },
              [m.tel, m.joinedAt ? `since ${clockTime(m.joinedAt)}` : ''].filter(Boolean).join(' · '),
            ),
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'btn btn-small btn-primary',
              testid: `admit-${m.pid}`,
              'aria-label': `Admit ${name}`,
              disabled: !enabled || busy || m.waitingState === 'admitted',
              onclick: () => this.#actions.admit(m.pid),
            },
            busy ? 'Admitting…' : 'Admit',
          ),
        );
      }),
    );
  }
}

const MAX_CAPTIONS = 40;

/** `RealTimeSubtitleNotify`: the latest captions, a sentence updated in place until it is final. */
export class Captions {
  readonly #list = h('ol', { class: 'captions', testid: 'captions-list', 'aria-live': 'polite' });
  readonly #state = h('span', { class: 'badge badge-muted', testid: 'captions-state' }, 'Off');
  readonly #empty = h('p', { class: 'empty' }, 'No captions yet.');
  readonly #lines = new Map<string, HTMLLIElement>();
  readonly element = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'captions-heading', testid: 'captions-panel' },
    h('div', { class: 'panel-head' }, h('h2', { id: 'captions-heading' }, 'Captions'), this.#state),
    this.#list,
    this.#empty,
  );

  setEnabled(on: boolean | undefined): void {
    setText(this.#state, on ? 'On' : 'Off');
    this.#state.className = `badge ${on ? 'badge-good' : 'badge-muted'}`;
  }

  add(subtitle: Subtitle, speakerName: string): void {
    const original =
      subtitle.msgs.find((m) => !m.subtitleLang || m.subtitleLang === 'Original') ?? subtitle.msgs[0];
    const text = original?.translateText ?? '';
    if (!text) return;
    const key =
      original?.id ?? `${subtitle.participantID ?? ''}:${subtitle.beginTime ?? subtitle.timestamp ?? text}`;
    const translations = subtitle.msgs.filter((m) => m !== original && m.translateText);
    const line = h(
      'li',
      { class: subtitle.isFinal === false ? 'caption interim' : 'caption', testid: 'caption-line' },
      h(
        'span',
        { class: 'caption-meta' },
        h('span', { class: 'strong' }, speakerName),
        ' ',
        clockTime(subtitle.timestamp ?? Date.now()),
      ),
      h('span', { class: 'caption-text' }, text),
      translations.map((m) =>
        h(
          'span',
          { class: 'caption-translation', lang: m.subtitleLang === 'Mandarin' ? 'zh' : 'en' },
          m.translateText ?? '',
        ),
      ),
    );
    const existing = this.#lines.get(key);
    if (existing) existing.replaceWith(line);
    else this.#list.append(line);
    this.#lines.set(key, line);
    while (this.#list.children.length > MAX_CAPTIONS) {
      const first = this.#list.firstElementChild as HTMLLIElement;
      for (const [k, v] of this.#lines) if (v === first) this.#lines.delete(k);
      first.remove();
    }
    this.#empty.hidden = true;
    this.#list.scrollTop = this.#list.scrollHeight;
  }
}

const MAX_LOG = 100;

/** What happened, newest first: joins, leaves, mutes, invitations, rebuilds, control results. */
export class ActivityLog {
  readonly #list = h('ol', { class: 'log', testid: 'activity-log' });
  readonly element = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'log-heading' },
    h('div', { class: 'panel-head' }, h('h2', { id: 'log-heading' }, 'Activity')),
    this.#list,
  );

  add(text: string, tone: Tone = 'muted'): void {
    this.#list.prepend(
      h('li', { class: `log-entry log-${tone}` }, h('time', {}, clockTime(Date.now())), h('span', {}, text)),
    );
    while (this.#list.children.length > MAX_LOG) this.#list.lastElementChild?.remove();
  }
}
