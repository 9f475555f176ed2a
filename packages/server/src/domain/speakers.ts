/** Speakers and media quality, as the media plane reports them: the loudest speakers, network conditions. */
import type { Item } from '@confpush/protocol';
import type { NetQualityInput } from './commands.js';
import { info } from './pinfo.js';
import { P, type LiveHandler } from './live-meeting.js';

const MAX_SPEAKERS = 3;

export const speakers: LiveHandler<'speakers'> = (m, { volumes }) => {
  const ranked = volumes
    .filter((v) => v.volume > 0 && info(m.b.item(P, v.pid))['STATE'] === '0')
    .sort((a, b) => b.volume - a.volume || (a.pid < b.pid ? -1 : 1))
    .slice(0, MAX_SPEAKERS);
  const current = (m.state.streams.SpeakerChangeNotify.value ?? []) as Item[];
  // A new order of speakers is news; a volume wobble among the same speakers is not.
  if (ranked.map((r) => r.pid).join() === current.map((c) => c['pid']).join()) return;
  m.b.value(
    'SpeakerChangeNotify',
    ranked.length === 0
      ? undefined
      : ranked.map((r) => ({
          pid: r.pid,
          name: info(m.b.item(P, r.pid))['NAME'] ?? '',
          speakingVolume: Math.round(r.volume),
        })),
  );
};

export const netQuality: LiveHandler<'netQuality'> = (m, { reports }) => {
  for (const report of reports) {
    m.online(report.pid);
    const s = (v: number | undefined) => String(v ?? 0);
    m.b.put('NetConditionNotify', report.pid, {
      participantID: report.pid,
      netInfo: report.netInfo ?? netInfoOf(report),
      lostPacketRate: s(report.lostPacketRate),
      delay: s(report.delay),
      jitter: s(report.jitter),
      fluxIn: s(report.fluxIn),
      fluxOut: s(report.fluxOut),
      audioOutLossPacketRate: s(report.audioOutLossPacketRate),
      videoInLossPacketRate: s(report.videoInLossPacketRate),
      videoOutLossPacketRate: s(report.videoOutLossPacketRate),
      assistVideoInLossPacketRate: '0',
      assistVideoOutLossPacketRate: '0',
      outJitter: s(report.outJitter),
      videoFluxIn: s(report.videoFluxIn),
      videoFluxOut: s(report.videoFluxOut),
      assistVideoFluxIn: '0',
      assistVideoFluxOut: '0',
      bandwidth: Math.round(report.bandwidth ?? 61440),
      audioCodecType: report.audioCodecType ?? 'AACLD',
      videoCodecType: report.videoCodecType ?? 'H264HP',
    });
  }
};

function netInfoOf(r: NetQualityInput): string {
  const loss = Math.max(r.lostPacketRate ?? 0, r.audioOutLossPacketRate ?? 0);
  const delay = r.delay ?? 0;
  if (loss >= 1000 || delay >= 400) return 'bad';
  if (loss >= 300 || delay >= 150) return 'normal';
  return 'good';
}
