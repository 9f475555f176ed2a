/**
 * Crash consistency (issue 7): the real `confpush serve` process, `syncMode: full`, one data directory, killed with
 * SIGKILL at random (seeded) moments while control calls (REST) and media-plane events stream in, and restarted on
 * the same directory — twenty times in a row. After every restart:
 *
 * - every change acknowledged to a caller is there (a call in flight at the kill may or may not be: both are
 *   accepted, and what the node then shows becomes the reference);
 * - no stream sequence repeats or skips: the subscriber that watched before the kill resumes from its last
 *   position, is told `resumed` under the same epoch, and gets exactly the versions after it — never fewer than it
 *   had already been shown (durable before visible);
 * - that subscriber's state equals a fresh subscriber's full messages and `realTimeInfo`.
 *
 * `CONFPUSH_CRASH_SEED` replays a run; `CONFPUSH_CRASH_ROUNDS` changes the number of kills (default 20).
 */
import { CategoryReplica, type PushCategory } from '@confpush/protocol';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { appAuth, confToken, createMeeting, pushUrl, wsToken } from './chain.js';
import { eventually, tempDir, type TestServer } from './helpers.js';
import { expectedRealTimeInfo } from './support/realtime-view.js';
import { spawnServer, type ServerProcess } from './process.js';
import { Prng } from '../src/simulator/prng.js';

const ROUNDS = Number(process.env['CONFPUSH_CRASH_ROUNDS'] ?? '20');
const SEED = Number(process.env['CONFPUSH_CRASH_SEED'] ?? String(Date.now() % 1_000_000));
const CATEGORIES: PushCategory[] = ['ParticipantsNotify', 'AttendeesNotify', 'ConfDynamicInfoNotify'];

/** A value whose last change may or may not have been committed when the node was killed. */
class Uncertain<T> {
  constructor(
    public known: T,
    public maybe: T[] = [],
  ) {}
  acked(value: T): void {
    this.known = value;
    this.maybe = [];
  }
  allows(value: T): boolean {
    return value === this.known || this.maybe.includes(value);
  }
  /** After a restart: what the node shows is the committed value. */
  settle(value: T): void {
    this.known = value;
    this.maybe = [];
  }
}

/** A raw subscriber that checks, frame by frame, that versions are contiguous, and keeps a replica per category. */
class Watcher {
  readonly replicas = new Map<PushCategory, CategoryReplica>();
  readonly positions = new Map<PushCategory, { epoch: string; seq: number }>();
  readonly violations: string[] = [];
  ws: WebSocket | undefined;
  frames = 0;
  #reply: ((data: Record<string, unknown>) => void) | undefined;

  constructor() {
    for (const c of CATEGORIES) this.replicas.set(c, new CategoryReplica(c));
  }

  /** Connects and subscribes, resuming from the positions held; resolves with the Subscribe reply. */
  async connect(url: string, token: string, resume: boolean): Promise<Record<string, unknown>> {
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.on('message', (raw: Buffer) => this.#onFrame(JSON.parse(raw.toString()) as Record<string, unknown>));
    ws.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('close', (code) => reject(new Error(`push socket refused: ${code}`)));
    });
    const reply = new Promise<Record<string, unknown>>((resolve) => (this.#reply = resolve));
    const positions = Object.fromEntries(this.positions);
    ws.send(
      JSON.stringify({
        action: 'Subscribe',
        sequence: '1',
        data: JSON.stringify({
          subscribeType: CATEGORIES,
          confToken: token,
          ...(resume ? { resume: positions } : {}),
        }),
      }),
    );
    return reply;
  }

  #onFrame(frame: Record<string, unknown>): void {
    this.frames++;
    if (frame['action'] === 'Subscribe') {
      const data = frame['data'] as Record<string, unknown>;
      this.#reply?.(data);
      return;
    }
    const category = frame['action'] as PushCategory;
    const replica = this.replicas.get(category);
    if (!replica) return;
    const held = this.positions.get(category);
    if (frame['msgMode'] === 0) {
      const seq = frame['seq'] as number;
      const epoch = frame['epoch'] as string;
      if (held && held.epoch === epoch && seq < held.seq)
        this.violations.push(`${category}: full message at ${seq}, behind ${held.seq} already shown`);
      replica.applyFrame(frame);
      this.positions.set(category, { epoch, seq });
    } else if (frame['msgMode'] === 1) {
      const version = frame['version'] as number;
      if (!held) this.violations.push(`${category}: incremental ${version} before any position`);
      else if (version !== held.seq + 1)
        this.violations.push(
          `${category}: version ${version} after ${held.seq} (${version <= held.seq ? 'repeat' : 'skip'})`,
        );
      if (replica.applyFrame(frame) !== 'applied')
        this.violations.push(`${category}: version ${version} not applied`);
      if (held) this.positions.set(category, { epoch: held.epoch, seq: version });
    }
  }

  close(): void {
    this.ws?.terminate();
  }
}

describe('crash consistency', () => {
  it(
    `keeps every acknowledged change and every stream gap-free across ${ROUNDS} SIGKILLs under load`,
    async () => {
      console.info(`crash test seed ${SEED} (CONFPUSH_CRASH_SEED=${SEED} replays it)`);
      // The kill moments and operation choices of a run, from its seed.
      const prng = new Prng(SEED);
      const random = () => prng.next();
      const dataDir = tempDir();
      const env = { CONFPUSH_APP_ID: 'c'.repeat(32), CONFPUSH_APP_KEY: 'd'.repeat(32) };
      const args = [
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--data-dir',
        dataDir,
        '--sync-mode',
        'full',
        '--callee-answer-delay-ms',
        '-1',
        '--log-retention',
        '100000',
      ];
      let proc: ServerProcess = await spawnServer(args, env);
      const server = (): TestServer =>
        ({ url: proc.url, appId: env.CONFPUSH_APP_ID, appKey: env.CONFPUSH_APP_KEY }) as TestServer;
      const admin = await appAuth(server());
      const meeting = await createMeeting(server(), admin, {
        subject: 'crash',
        attendees: [{ name: 'Anchor', phone: '+8611000000' }],
      });
      const id = meeting.conferenceID;
      const host = (await confToken(server(), id, meeting.chairPwd)).token;

      const call = async (method: string, path: string, body: unknown, headers: Record<string, string>) => {
        const res = await fetch(`${proc.url}${path}`, {
          method,
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        return res.status;
      };
      const control = (method: string, path: string, body: unknown) =>
        call(
          method,
          `/v1/mmc/control/conferences${path}${path.includes('?') ? '&' : '?'}conferenceID=${id}`,
          body,
          {
            'X-Conference-Authorization': host,
          },
        );
      const media = (method: string, path: string, body: unknown) =>
        call(method, `/confpush/v1/media/conferences/${id}${path}`, body, { 'X-Access-Token': admin });

      // The site the control plane renames and the media plane raises the hand of.
      expect(await media('POST', '/participants', { pid: 'anchor', name: 'n0', tel: '+8611000000' })).toBe(
        200,
      );

      // --- the model: what acknowledged calls say the meeting must show ---
      const name = new Uncertain<string>('n0');
      const hand = new Uncertain<string>('0');
      const recording = new Uncertain<number>(0);
      const invited = new Map<string, 'yes' | 'maybe'>();
      const sites = new Map<string, Uncertain<boolean>>();
      let counter = 0;
      const stats = { acked: 0, refused: 0, inFlightAtKill: 0, frames: 0, resumed: 0, versionsReplayed: 0 };

      type Op = { run: () => Promise<number>; ack: () => void; unknown: () => void; refused?: () => void };
      const writers: (() => Op)[] = [
        () => {
          const n = `n${++counter}`;
          return {
            run: () =>
              control('PUT', '/participants/name', {
                participantID: 'anchor',
                number: '+8611000000',
                newName: n,
              }),
            ack: () => name.acked(n),
            unknown: () => name.maybe.push(n),
          };
        },
        () => {
          const phone = `+8620${String(++counter).padStart(6, '0')}`;
          return {
            run: () =>
              control('POST', '/participants', {
                attendees: [{ name: `inv ${phone}`, phone, type: 'normal' }],
              }),
            ack: () => invited.set(phone, 'yes'),
            unknown: () => invited.set(phone, 'maybe'),
          };
        },
        () => {
          // Sites join, and the oldest certain one leaves, through the media plane.
          const present = [...sites].filter(([, s]) => s.known && s.maybe.length === 0).map(([p]) => p);
          if (present.length > 3) {
            const pid = present[0]!;
            const site = sites.get(pid)!;
            return {
              run: () => media('POST', `/participants/${pid}/leave`, { reason: 11076010 }),
              ack: () => site.acked(false),
              unknown: () => site.maybe.push(false),
            };
          }
          const pid = `site${++counter}`;
          const site = new Uncertain<boolean>(false);
          sites.set(pid, site);
          return {
            run: () => media('POST', '/participants', { pid, name: pid }),
            ack: () => site.acked(true),
            unknown: () => site.maybe.push(true),
          };
        },
        () => {
          const raised = hand.known !== '1';
          return {
            run: () => media('PUT', '/participants/anchor/hand', { raised }),
            ack: () => hand.acked(raised ? '1' : '0'),
            unknown: () => hand.maybe.push(raised ? '1' : '0'),
          };
        },
        () => {
          const isRecord = recording.known === 1 ? 0 : 1;
          return {
            run: () => control('PUT', '/record', { isRecord }),
            ack: () => recording.acked(isRecord),
            unknown: () => recording.maybe.push(isRecord),
          };
        },
      ];

      let alive = true;
      const failures: string[] = [];
      const writer = async (next: () => Op) => {
        while (alive) {
          const op = next();
          let status: number;
          try {
            status = await op.run();
          } catch {
            op.unknown();
            stats.inFlightAtKill++;
            return;
          }
          if (status >= 200 && status < 300) {
            op.ack();
            stats.acked++;
          } else if (status >= 500) {
            failures.push(`server error ${status}`);
          } else stats.refused++;
        }
      };

      const watcher = new Watcher();
      const wsBase = () => proc.url.replace(/^http/, 'ws');
      const first = await watcher.connect(
        pushUrl(wsBase(), id, await wsToken(server(), id, host)),
        host,
        false,
      );
      expect(first['returnCode']).toBe(0);

      for (let round = 1; round <= ROUNDS; round++) {
        // Load, then a kill at a random moment of it.
        alive = true;
        const running = writers.map((w) => writer(w));
        // The kill falls after a random number of acknowledged writes of this round (some others in flight).
        const killAfter = stats.acked + 11 + Math.floor(random() * 40);
        await eventually(() => stats.acked >= killAfter || failures.length > 0, {
          what: 'acknowledged writes before the kill',
          timeoutMs: 30_000,
        });
        const seenBeforeKill = new Map(watcher.positions);
        await proc.kill('SIGKILL');
        alive = false;
        await Promise.all(running);
        watcher.close();
        expect(failures).toEqual([]);
        proc = await spawnServer(args, env);

        // A fresh subscriber: the committed state, as full messages.
        const fresh = new Watcher();
        const freshReply = await fresh.connect(
          pushUrl(wsBase(), id, await wsToken(server(), id, host)),
          host,
          false,
        );
        expect(freshReply['returnCode']).toBe(0);
        await eventually(() => CATEGORIES.every((c) => fresh.replicas.get(c)!.synced), 10_000);
        const streams = freshReply['streams'] as Record<string, { epoch: string; seq: number }>;

        // Nothing shown before the kill is missing; the epochs are the same.
        for (const [category, seen] of seenBeforeKill) {
          const now = streams[category]!;
          expect(now.epoch, `${category} epoch after round ${round}`).toBe(seen.epoch);
          expect(now.seq, `${category} lost changes it had shown (round ${round})`).toBeGreaterThanOrEqual(
            seen.seq,
          );
        }

        // Every acknowledged change is there.
        const participants = fresh.replicas.get('ParticipantsNotify')!.items;
        const pinfo = (pid: string) => (participants.get(pid)?.['pinfoMap'] ?? {}) as Record<string, string>;
        const where = `round ${round} (seed ${SEED})`;
        expect(
          name.allows(pinfo('anchor')['NAME'] ?? ''),
          `name ${pinfo('anchor')['NAME']} vs ${name.known} ${where}`,
        ).toBe(true);
        name.settle(pinfo('anchor')['NAME'] ?? '');
        expect(hand.allows(pinfo('anchor')['HAND'] ?? ''), `hand ${where}`).toBe(true);
        hand.settle(pinfo('anchor')['HAND'] ?? '');
        const status = fresh.replicas.get('ConfDynamicInfoNotify')!.fields;
        const recState = status['recState'] === 1 || status['recState'] === '1' ? 1 : 0;
        expect(recording.allows(recState), `recording ${JSON.stringify(status['recState'])} ${where}`).toBe(
          true,
        );
        recording.settle(recState);
        const phones = new Set(
          [...fresh.replicas.get('AttendeesNotify')!.items.values()].map((a) => a['phone'] as string),
        );
        for (const [phone, state] of invited) {
          if (state === 'yes') expect(phones.has(phone), `invited ${phone} ${where}`).toBe(true);
          else if (phones.has(phone)) invited.set(phone, 'yes');
          else invited.delete(phone);
        }
        for (const phone of phones)
          if (phone.startsWith('+8620'))
            expect(invited.has(phone), `unexpected attendee ${phone} ${where}`).toBe(true);
        for (const [pid, site] of sites) {
          const present = participants.has(pid);
          expect(site.allows(present), `site ${pid} present=${present} ${where}`).toBe(true);
          site.settle(present);
        }

        // The subscriber of before the kill resumes: same epoch, exactly the missing versions, nothing repeated.
        const versionsBefore = watcher.frames;
        const reply = await watcher.connect(
          pushUrl(wsBase(), id, await wsToken(server(), id, host)),
          host,
          true,
        );
        expect(reply['returnCode']).toBe(0);
        const resumed = reply['streams'] as Record<string, { epoch: string; seq: number; delivery: string }>;
        for (const category of CATEGORIES) {
          expect(resumed[category]!.delivery, `${category} ${where}`).toBe('resumed');
          stats.resumed++;
        }
        await eventually(
          () => CATEGORIES.every((c) => watcher.positions.get(c)!.seq >= streams[c]!.seq),
          10_000,
        );
        stats.versionsReplayed += watcher.frames - versionsBefore - 1;
        expect(watcher.violations, where).toEqual([]);

        // It ends with the state the fresh subscriber was given, and realTimeInfo says the same.
        for (const category of CATEGORIES) {
          const a = watcher.replicas.get(category)!;
          const b = fresh.replicas.get(category)!;
          expect(a.snapshot(), `${category} ${where}`).toEqual(b.snapshot());
        }
        const rti = await fetch(`${proc.url}/v1/mmc/control/conferences/realTimeInfo?conferenceID=${id}`, {
          headers: { 'X-Conference-Authorization': host },
        });
        expect(await rti.json()).toEqual(
          expectedRealTimeInfo({
            AttendeesNotify: watcher.replicas.get('AttendeesNotify')!,
            ParticipantsNotify: watcher.replicas.get('ParticipantsNotify')!,
          }),
        );
        fresh.close();
      }
      stats.frames = watcher.frames;
      watcher.close();
      await proc.kill('SIGTERM');
      console.info(
        `crash test: ${ROUNDS} kills, ${stats.acked} acknowledged changes (${stats.refused} refused, ` +
          `${stats.inFlightAtKill} in flight at a kill), ${stats.frames} frames watched, ` +
          `${stats.versionsReplayed} versions replayed on resume`,
      );
      expect(stats.acked).toBeGreaterThan(ROUNDS * 10);
    },
    Math.max(240_000, ROUNDS * 15_000),
  );
});
