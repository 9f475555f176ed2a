/** The pieces every console form is made of: a labelled field (with an optional hint) and the submit button. */
import { h } from './dom.js';

export function field(label: string, control: HTMLElement, hint?: string): HTMLLabelElement {
  return h(
    'label',
    { class: 'field' },
    h('span', { class: 'field-label' }, label),
    control,
    hint ? h('span', { class: 'field-hint' }, hint) : null,
  );
}

/** The primary button of a form; `testid` names it for the browser tests. */
export function submitButton(text: string, testid: string, extraClass?: string): HTMLButtonElement {
  const className = extraClass ? `btn btn-primary ${extraClass}` : 'btn btn-primary';
  return h('button', { type: 'submit', class: className, testid }, text);
}
