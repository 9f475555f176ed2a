/**
 * One planned step of the scenario, carried out through the client SDK: the media-plane API for what sites do,
 * REST meeting control for what the host does, a `ConfControl` frame for captions.
 */
import type { MediaPlane, MeetingControl, MeetingSession } from '@confpush/client';
import type { Step } from './plan.js';

/** What a step acts through, and what the runner remembers across steps. */
export interface StepContext {
  media: MediaPlane;
  control: MeetingControl;
  session: MeetingSession;
  hostPassword: string;
  /** Sites the runner has put in the meeting (or its waiting room), by site number. */
  pids: Map<number, string>;
  /** Numbers of invited sites, by site number. */
  phones: Map<number, string>;
  /** The pid of a site: one the runner put in, or an invited one found by its number. */
  pidOf(site: number): string | undefined;
  /** Live captions are on (switched on by the `captions` step). */
  captions: { on: boolean };
}

class SkipStep extends Error {}

/** Executes one step; resolves with a reason when it was skipped, throws when the node refused it. */
export async function executeStep(step: Step, ctx: StepContext): Promise<string | undefined> {
  const pidOf = (n: number): string => {
    const pid = ctx.pidOf(n);
    if (pid === undefined) throw new SkipStep(`site ${n} is not in the meeting`);
    return pid;
  };
  try {
    switch (step.kind) {
      case 'join': {
        const answer = await ctx.media.join({
          name: step.name,
          tel: step.tel,
          role: step.role,
          loginType: step.loginType,
          video: step.video,
          camera: step.camera,
          viaWaitingRoom: step.viaWaitingRoom,
          ...(step.role === 1 ? { hostPassword: ctx.hostPassword } : {}),
        });
        ctx.pids.set(step.site, answer.pid);
        return undefined;
      }
      case 'captions': {
        const reply = await ctx.session.confControl('REALTIMESUBTITLE', {
          isSubtitle: 1,
          subtitleType: 0,
        });
        ctx.captions.on = reply.returnCode === 0;
        if (!ctx.captions.on) throw new Error(`captions refused: ${reply.returnCode} ${reply.returnDesc}`);
        return undefined;
      }
      case 'admit':
        await ctx.control.allowWaitingParticipant(pidOf(step.site));
        return undefined;
      case 'invite':
        ctx.phones.set(step.site, step.phone);
        await ctx.control.invite([{ name: step.name, phone: step.phone, type: 'normal' }]);
        return undefined;
      case 'leave':
        await ctx.media.leave(pidOf(step.site), step.reason);
        ctx.pids.delete(step.site);
        return undefined;
      case 'removeAttendees':
        await ctx.control.deleteAttendees(step.phones);
        for (const [n, phone] of ctx.phones) if (step.phones.includes(phone)) ctx.phones.delete(n);
        return undefined;
      case 'volumes':
        await ctx.media.reportVolumes(step.samples.map((s) => ({ pid: pidOf(s.site), volume: s.volume })));
        return undefined;
      case 'netQuality':
        await ctx.media.reportNetQuality(
          step.reports.map(({ site: n, ...report }) => ({ pid: pidOf(n), ...report })),
        );
        return undefined;
      case 'caption':
        if (!ctx.captions.on) return 'captions are off';
        await ctx.media.caption({
          pid: pidOf(step.site),
          text: step.text,
          lang: step.lang,
          isFinal: step.isFinal,
          beginTime: step.beginTime,
          endTime: step.endTime,
        });
        return undefined;
      case 'mute':
      case 'hand':
      case 'share':
      case 'camera':
        await switchSite(ctx.media, step, pidOf(step.site));
        return undefined;
    }
  } catch (error) {
    if (error instanceof SkipStep) return error.message;
    throw error;
  }
}

type SwitchStep = Extract<Step, { kind: 'mute' | 'hand' | 'share' | 'camera' }>;

/** A site turning its microphone, hand, sharing or camera on or off. */
function switchSite(media: MediaPlane, step: SwitchStep, pid: string): Promise<unknown> {
  switch (step.kind) {
    case 'mute':
      return media.setMute(pid, step.mute);
    case 'hand':
      return media.setHand(pid, step.raised);
    case 'share':
      return media.setShare(pid, step.sharing);
    case 'camera':
      return media.setCamera(pid, step.on);
  }
}
