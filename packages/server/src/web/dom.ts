/** A few DOM helpers: elements are built with `h()` and text is always set as text, never parsed as HTML. */

export type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined;
export type Attrs = Record<string, AttrValue | ((event: Event) => void)>;

/**
 * `h('button', { class: 'btn', testid: 'save', onclick: save }, 'Save')`. `testid` sets `data-testid`; `on*`
 * functions become listeners; `true` sets an empty attribute; `false`, `null` and `undefined` set nothing.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | readonly Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (value === true) {
      el.setAttribute(name === 'testid' ? 'data-testid' : name, '');
    } else if (value !== false && value !== null && value !== undefined) {
      el.setAttribute(name === 'testid' ? 'data-testid' : name, String(value));
    }
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: (Child | readonly Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `parent`. */
export function replaceChildren(parent: Element, ...children: (Child | readonly Child[])[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** Sets `textContent` only when it differs (keeps screen readers and selection quiet). */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** Sets or removes an attribute only when it differs. */
export function setAttr(el: Element, name: string, value: string | null): void {
  if (value === null) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== value) {
    el.setAttribute(name, value);
  }
}

/** The value of a form field by name. */
export function fieldValue(form: HTMLFormElement, name: string): string {
  const field = form.elements.namedItem(name);
  if (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement) return field.value.trim();
  if (field instanceof RadioNodeList) return field.value;
  return '';
}

/** Runs `action` with `button` disabled and marked busy; the label is restored afterwards. */
export async function busy<T>(
  button: HTMLButtonElement,
  label: string,
  action: () => Promise<T>,
): Promise<T> {
  const previous = button.textContent ?? '';
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.textContent = label;
  try {
    return await action();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.textContent = previous;
  }
}

/** `12:03:45` in the browser's time zone. */
export function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** A scrolling table with a caption for screen readers and one header row; `body` is its `tbody`. */
export function scrollTable(
  attrs: Attrs,
  caption: string,
  headers: readonly HTMLTableCellElement[],
  body: HTMLTableSectionElement,
): HTMLDivElement {
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      attrs,
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, headers)),
      body,
    ),
  );
}
