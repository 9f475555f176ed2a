/** Small pieces of the live view: badges, "none" cells, the network-quality meter. */
import type { NetCondition } from '@confpush/client';
import { h, setAttr, setText } from '../dom.js';

export type Tone = 'good' | 'bad' | 'warn' | 'info' | 'muted' | 'accent';

export function badge(text: string, tone: Tone, testid?: string): HTMLSpanElement {
  return h('span', { class: `badge badge-${tone}`, testid }, text);
}

/** An empty cell: a dash for the eye, a word for screen readers. */
export function none(spoken = 'no'): HTMLSpanElement {
  return h(
    'span',
    { class: 'none' },
    h('span', { 'aria-hidden': 'true' }, '—'),
    h('span', { class: 'visually-hidden' }, spoken),
  );
}

/** `good`, `normal`, `bad`, or `unknown` from `NetConditionNotify.netInfo`. */
export function qualityOf(condition: NetCondition | undefined): 'good' | 'normal' | 'bad' | 'unknown' {
  const value = condition?.netInfo?.toLowerCase();
  return value === 'good' || value === 'normal' || value === 'bad' ? value : 'unknown';
}

const QUALITY_LABEL = { good: 'Good', normal: 'Fair', bad: 'Poor', unknown: 'No data' } as const;

/** Three bars and a word; details (delay, jitter, loss) in the tooltip. */
export function netMeter(testid: string): HTMLSpanElement {
  return h(
    'span',
    { class: 'net', testid, 'data-quality': 'unknown' },
    h('span', { class: 'net-bars', 'aria-hidden': 'true' }, h('i', {}), h('i', {}), h('i', {})),
    h('span', { class: 'net-label' }, QUALITY_LABEL.unknown),
  );
}

export function updateNetMeter(meter: HTMLElement, condition: NetCondition | undefined): void {
  const quality = qualityOf(condition);
  setAttr(meter, 'data-quality', quality);
  setText(meter.querySelector('.net-label')!, QUALITY_LABEL[quality]);
  const details: string[] = [];
  if (condition?.delay !== undefined) details.push(`delay ${condition.delay} ms`);
  if (condition?.jitter !== undefined) details.push(`jitter ${condition.jitter} ms`);
  if (condition?.lostPacketRate !== undefined)
    details.push(`loss ${(condition.lostPacketRate / 100).toFixed(2)} %`);
  setAttr(meter, 'title', details.length > 0 ? details.join(', ') : null);
}
