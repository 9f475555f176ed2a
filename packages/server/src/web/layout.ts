/** The frame of the console's narrow pages (sign-in, new meeting, a meeting's password): a titled section. */
import { h, type Child } from './dom.js';

/** `title` is the page's `h1` (focused after navigation); `content` follows it. */
export function narrowPage(
  testid: string,
  title: Child | readonly Child[],
  ...content: Child[]
): HTMLElement {
  return h('section', { class: 'page page-narrow', testid }, h('h1', { tabindex: '-1' }, title), ...content);
}

/** The introduction under a page's title. */
export function lede(...text: Child[]): HTMLParagraphElement {
  return h('p', { class: 'lede' }, ...text);
}
