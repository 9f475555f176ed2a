/** Formatting shared by the pages. */

/** Huawei's UTC `yyyy-MM-dd HH:mm` as a local date and time; the input when it does not parse. */
export function localFromUtcMinute(value: string | undefined): string {
  if (!value) return '—';
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(value);
  if (!match) return value;
  const [, y, mo, d, hh, mm] = match.map(Number) as [number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, hh, mm)).toLocaleString([], {
    dateStyle: 'medium',
    timeStyle: 'short',
  });
}

/** A `datetime-local` value (browser time) as Huawei's UTC `yyyy-MM-dd HH:mm`. */
export function utcMinuteFromLocal(value: string): string | undefined {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return undefined;
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`
  );
}

/** `Created` → in progress, `Schedule` → scheduled, `Destroyed` → ended. */
export function meetingStateLabel(state: string | undefined): { label: string; tone: string } {
  switch (state) {
    case 'Created':
      return { label: 'In progress', tone: 'good' };
    case 'Schedule':
      return { label: 'Scheduled', tone: 'info' };
    case 'Destroyed':
      return { label: 'Ended', tone: 'muted' };
    default:
      return { label: state ?? 'Unknown', tone: 'muted' };
  }
}

/** Up to two initials of a display name. */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0]!, parts[parts.length - 1]!] : parts.slice(0, 1);
  return letters.map((p) => [...p][0]!.toUpperCase()).join('') || '?';
}
