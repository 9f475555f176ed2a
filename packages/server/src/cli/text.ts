/**
 * Text for a terminal: network text made safe (no control characters), and display width, cutting and padding in
 * terminal columns — East Asian wide characters, emoji and grapheme clusters measured as a terminal draws them, ANSI
 * escape sequences kept and not counted (string-width, cli-truncate).
 */
import cliTruncate from 'cli-truncate';
import stringWidth from 'string-width';

// eslint-disable-next-line no-control-regex -- matching terminal control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** Network text made safe for a terminal: control characters (escape, newline, …) become spaces. */
export function sanitize(text: string): string {
  return text.replace(CONTROL, ' ');
}

/** Display width of `text` in terminal columns, not counting ANSI escape sequences. */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

/**
 * `text` cut to at most `width` columns, ending in `…` when something was cut; never inside a grapheme cluster.
 * ANSI styles are kept and closed.
 */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  return cliTruncate(text, width);
}

/** `text` padded with spaces (or cut) to exactly `width` columns. */
export function pad(text: string, width: number): string {
  const cut = truncate(text, width);
  return cut + ' '.repeat(Math.max(0, width - displayWidth(cut)));
}
