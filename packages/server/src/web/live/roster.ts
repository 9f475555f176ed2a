/**
 * The roster: one row per online participant (ParticipantsNotify), keyed by pid and updated in place, so focus
 * and hover survive updates. Speaking rows carry the `speaking` class; each row has Mute/Unmute and Hang up.
 */
import type { NetCondition, Participant } from '@confpush/client';
import { h, replaceChildren, scrollTable, setAttr, setText } from '../dom.js';
import { initials } from '../format.js';
import { badge, netMeter, none, updateNetMeter } from './bits.js';

export interface RosterActions {
  mute(participant: Participant, mute: boolean): void;
  hangUp(participant: Participant): void;
}

export interface RosterState {
  participants: ReadonlyMap<string, Participant>;
  speaking: ReadonlySet<string>;
  net: ReadonlyMap<string, NetCondition>;
  /** Keys of control calls in flight (`mute:<pid>`, `hangup:<pid>`). */
  pending: ReadonlySet<string>;
  /** Controls usable (connected, meeting running). */
  enabled: boolean;
}

interface Row {
  tr: HTMLTableRowElement;
  avatar: HTMLElement;
  name: HTMLElement;
  tel: HTMLElement;
  role: HTMLElement;
  state: HTMLElement;
  mic: HTMLElement;
  camera: HTMLElement;
  hand: HTMLElement;
  sharing: HTMLElement;
  net: HTMLElement;
  mute: HTMLButtonElement;
  hangUp: HTMLButtonElement;
  /** The participant the row shows now. */
  participant: Participant;
  /** What the cells show, to skip unchanged ones. */
  shown: string;
}

const COLUMNS = ['Participant', 'Role', 'State', 'Mic', 'Camera', 'Hand', 'Sharing', 'Network', 'Actions'];

function rank(p: Participant): number {
  if (p.role === 'host') return 0;
  if (p.coHost) return 1;
  return p.role === 'audience' ? 3 : 2;
}

function order(a: Participant, b: Participant): number {
  return (
    rank(a) - rank(b) ||
    (a.joinedAt ?? 0) - (b.joinedAt ?? 0) ||
    (a.name ?? '').localeCompare(b.name ?? '') ||
    a.pid.localeCompare(b.pid)
  );
}

export class Roster {
  readonly element: HTMLElement;
  readonly #tbody = h('tbody', {});
  readonly #count = h('span', { class: 'count', testid: 'roster-count' }, '0');
  readonly #empty = h('p', { class: 'empty', testid: 'roster-empty' }, 'Nobody is in the meeting.');
  readonly #rows = new Map<string, Row>();
  readonly #actions: RosterActions;
  #order: string[] = [];

  constructor(actions: RosterActions) {
    this.#actions = actions;
    this.element = h(
      'section',
      { class: 'panel roster-panel', 'aria-labelledby': 'roster-heading' },
      h('div', { class: 'panel-head' }, h('h2', { id: 'roster-heading' }, 'Participants ', this.#count)),
      scrollTable(
        { class: 'table roster', testid: 'roster-table' },
        'Participants in the meeting',
        COLUMNS.map((c) => h('th', { scope: 'col' }, c)),
        this.#tbody,
      ),
      this.#empty,
    );
  }

  render(state: RosterState): void {
    const participants = [...state.participants.values()].sort(order);
    for (const [pid, row] of this.#rows) {
      if (!state.participants.has(pid)) {
        row.tr.remove();
        this.#rows.delete(pid);
      }
    }
    for (const p of participants) {
      let row = this.#rows.get(p.pid);
      if (!row) {
        row = this.#createRow(p);
        this.#rows.set(p.pid, row);
      }
      this.#updateRow(row, p, state);
    }
    const ids = participants.map((p) => p.pid);
    if (ids.join('\n') !== this.#order.join('\n')) {
      for (const pid of ids) this.#tbody.append(this.#rows.get(pid)!.tr);
      this.#order = ids;
    }
    setText(this.#count, String(participants.length));
    this.#empty.hidden = participants.length > 0;
  }

  #createRow(p: Participant): Row {
    const cell = () => h('span', {});
    const row: Row = {
      tr: h('tr', { testid: `roster-row-${p.pid}`, 'data-pid': p.pid }),
      avatar: h('span', { class: 'avatar', 'aria-hidden': 'true' }),
      name: h('span', { class: 'strong', testid: `roster-name-${p.pid}` }),
      tel: h('span', { class: 'sub' }),
      role: cell(),
      state: cell(),
      mic: h('span', { testid: `mic-${p.pid}` }),
      camera: cell(),
      hand: cell(),
      sharing: cell(),
      net: netMeter(`net-${p.pid}`),
      mute: h('button', { type: 'button', class: 'btn btn-small', testid: `mute-${p.pid}` }),
      hangUp: h(
        'button',
        { type: 'button', class: 'btn btn-small btn-danger', testid: `hangup-${p.pid}` },
        'Hang up',
      ),
      participant: p,
      shown: '',
    };
    const current = () => row.participant;
    row.mute.addEventListener('click', () => {
      const participant = current();
      this.#actions.mute(participant, !participant.muted);
    });
    row.hangUp.addEventListener('click', () => {
      this.#actions.hangUp(current());
    });
    row.tr.append(
      h(
        'td',
        {},
        h('div', { class: 'who-cell' }, row.avatar, h('div', { class: 'who-text' }, row.name, row.tel)),
      ),
      h('td', {}, row.role),
      h('td', {}, row.state),
      h('td', {}, row.mic),
      h('td', {}, row.camera),
      h('td', {}, row.hand),
      h('td', {}, row.sharing),
      h('td', {}, row.net),
      h('td', { class: 'actions' }, row.mute, row.hangUp),
    );
    return row;
  }

  #updateRow(row: Row, p: Participant, state: RosterState): void {
    row.participant = p;
    const speaking = state.speaking.has(p.pid);
    const name = p.name || p.pid;
    row.tr.classList.toggle('speaking', speaking);
    row.tr.classList.toggle('calling', p.state === 'calling');
    setAttr(row.tr, 'data-speaking', String(speaking));
    setAttr(row.tr, 'data-muted', String(p.muted === true));
    setAttr(row.tr, 'data-state', p.state ?? 'unknown');
    updateNetMeter(row.net, state.net.get(p.pid));

    const muteKey = `mute:${p.pid}`;
    const hangKey = `hangup:${p.pid}`;
    row.mute.disabled = !state.enabled || state.pending.has(muteKey) || p.state === 'calling';
    row.hangUp.disabled = !state.enabled || state.pending.has(hangKey);
    setText(
      row.mute,
      state.pending.has(muteKey) ? (p.muted ? 'Unmuting…' : 'Muting…') : p.muted ? 'Unmute' : 'Mute',
    );
    setAttr(row.mute, 'aria-label', `${p.muted ? 'Unmute' : 'Mute'} ${name}`);
    setAttr(row.mute, 'aria-pressed', String(p.muted === true));
    setText(row.hangUp, state.pending.has(hangKey) ? 'Hanging up…' : 'Hang up');
    setAttr(row.hangUp, 'aria-label', `Hang up ${name}`);

    const shown = JSON.stringify([
      name,
      p.tel,
      p.role,
      p.coHost,
      p.state,
      p.muted,
      p.camera,
      p.video,
      p.handUp,
      p.sharing,
    ]);
    if (shown === row.shown) return;
    row.shown = shown;
    setText(row.avatar, initials(name));
    setText(row.name, name);
    setText(row.tel, p.tel ?? '');
    replaceChildren(
      row.role,
      p.role === 'host'
        ? badge('Host', 'accent')
        : p.coHost
          ? badge('Co-host', 'info')
          : p.role === 'audience'
            ? badge('Audience', 'muted')
            : h('span', { class: 'plain' }, 'Participant'),
    );
    replaceChildren(
      row.state,
      p.state === 'calling' ? badge('Calling…', 'info') : badge('In meeting', 'good'),
    );
    replaceChildren(row.mic, p.muted ? badge('Muted', 'bad') : badge('On', 'good'));
    replaceChildren(
      row.camera,
      p.video === false ? none('audio only') : p.camera ? badge('On', 'good') : badge('Off', 'muted'),
    );
    replaceChildren(row.hand, p.handUp ? badge('Raised', 'warn') : none());
    replaceChildren(row.sharing, p.sharing ? badge('Sharing', 'accent') : none());
  }
}
