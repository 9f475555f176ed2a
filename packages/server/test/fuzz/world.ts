/**
 * A small living world on one test node for the fuzz tests: the enterprise administrator's access token, a meeting
 * in progress with two attendees and two participants online, and the host's and a participant's control tokens.
 * Hostile calls are sent with these valid credentials, so that what is tested is the payload, not the
 * authentication. A call that is accepted may end the meeting, log the token out or hang a participant up:
 * `ensure()` puts back whatever is missing.
 */
import { isInProgress } from '../../src/domain/meeting.js';
import { appAuth, confToken, createMeeting, http } from '../chain.js';
import type { TestServer } from '../helpers.js';
import { familyOf, type Route } from './routes.js';

export const PIDS = ['fuzzsite0001', 'fuzzsite0002'] as const;

export class World {
  readonly server: TestServer;
  admin = '';
  conferenceID = '';
  chairPwd = '';
  guestPwd = '';
  host = '';
  guest = '';

  private constructor(server: TestServer) {
    this.server = server;
  }

  static async create(server: TestServer): Promise<World> {
    const world = new World(server);
    await world.ensure();
    return world;
  }

  /** Values a query or path parameter may take that name something real. */
  get knownIds(): string[] {
    return [this.conferenceID, ...PIDS, '+8610000001'];
  }

  /** The valid credentials of a route's family, so that what a fuzz case tests is its payload. */
  credentialsFor(route: Route): Record<string, string> {
    switch (familyOf(route.url)) {
      case 'management':
      case 'media':
      case 'admin':
      case 'webhooks':
        return { 'x-access-token': this.admin };
      case 'control':
        return { 'x-conference-authorization': this.host, 'x-login-type': '1' };
      case 'auth':
        return route.method === 'PUT' || route.method === 'DELETE' ? { 'x-access-token': this.admin } : {};
      default:
        return {};
    }
  }

  async ensure(): Promise<void> {
    const { server } = this;
    const store = server.node.store;
    const held = this.admin ? await store.identity.getAccessToken(this.admin) : undefined;
    if (!held || held.expiresAt <= Date.now()) this.admin = await appAuth(server);

    const runtime = this.conferenceID ? await server.node.engine.load(this.conferenceID) : undefined;
    if (!runtime || runtime.committed.record.cancelled || !isInProgress(runtime.committed.record)) {
      const meeting = await createMeeting(server, this.admin, {
        subject: 'fuzz',
        attendees: [
          { name: 'Alice', phone: '+8610000001' },
          { name: 'Bob', phone: '+8610000002' },
        ],
      });
      this.conferenceID = meeting.conferenceID;
      this.chairPwd = meeting.chairPwd;
      this.guestPwd = meeting.guestPwd;
      this.host = '';
      this.guest = '';
    }
    for (const [field, password] of [
      ['host', this.chairPwd],
      ['guest', this.guestPwd],
    ] as const) {
      const token = this[field] ? await store.tokens.getConfToken(this[field]) : undefined;
      if (!token || token.expiresAt <= Date.now() || token.confId !== this.conferenceID) {
        this[field] = (await confToken(server, this.conferenceID, password)).token;
      }
    }
    const state = (await server.node.engine.load(this.conferenceID))?.committed;
    for (const pid of PIDS) {
      if (state?.streams.ParticipantsNotify.items.has(pid)) continue;
      const waiting = state?.streams.WaitingListNotify.items.has(pid);
      if (waiting) {
        await http(
          server,
          'PUT',
          `/v1/mmc/control/conferences/allowWaitingParticipant?conferenceID=${this.conferenceID}`,
          {
            headers: { 'X-Conference-Authorization': this.host },
            body: { allowAll: 1 },
          },
        );
        continue;
      }
      const res = await http(
        server,
        'POST',
        `/confpush/v1/media/conferences/${this.conferenceID}/participants`,
        {
          headers: { 'X-Access-Token': this.admin },
          body: { pid, name: `Site ${pid}` },
        },
      );
      // The fuzzer may have locked the meeting or turned the waiting room on: then the site waits, which is fine.
      if (res.status >= 500) throw new Error(`join failed: ${res.status} ${JSON.stringify(res.body)}`);
    }
  }
}
