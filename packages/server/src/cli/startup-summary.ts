/**
 * What `confpush serve` prints once it is ready, after every start-up log line: where it listens, the app
 * credential, the demo meeting and the console URL, as one block (the last thing of the start-up, so that it
 * does not scroll away).
 */
export interface StartupSummary {
  url: string;
  publicUrl: string;
  /** "data in ./data" or the cluster node's Redis. */
  where: string;
  credential: { appId: string; appKey: string; corpId: string } | undefined;
  /** The app key came from the configuration: it is not printed. */
  appKeyConfigured: boolean;
  /** The demo was asked for (`demo` setting). */
  demoWanted: boolean;
  /** The demo meeting, when it runs (it may have failed to start). */
  demo: { conferenceID: string; hostPassword: string; guestPassword: string | undefined } | undefined;
}

const RULE = '─'.repeat(72);

function row(label: string, value: string): string {
  return `  ${label.padEnd(14)}${value}`;
}

export function formatStartupSummary(s: StartupSummary): string {
  const lines = [RULE, `confpush listening on ${s.url} (public URL ${s.publicUrl}, ${s.where})`];
  lines.push(row('web console', `${s.publicUrl}/console/`));
  if (s.credential) {
    lines.push(row('app ID', s.credential.appId));
    lines.push(row('app key', s.appKeyConfigured ? '(as configured)' : s.credential.appKey));
    lines.push(row('corp ID', s.credential.corpId));
  } else {
    lines.push(
      row('app', 'no credential configured (set CONFPUSH_APP_ID and CONFPUSH_APP_KEY, or run with --dev)'),
    );
  }
  if (s.demo) {
    const d = s.demo;
    lines.push(
      row(
        'demo meeting',
        `"confpush demo" conferenceID=${d.conferenceID} hostPassword=${d.hostPassword}` +
          (d.guestPassword ? ` guestPassword=${d.guestPassword}` : ''),
      ),
    );
    lines.push(row('', `watch it: npx confpush watch ${d.conferenceID} --password ${d.hostPassword}`));
  } else if (s.demoWanted) {
    lines.push(row('demo meeting', 'not running (the log above says why); the server serves without it'));
  }
  lines.push(RULE);
  return lines.join('\n');
}
