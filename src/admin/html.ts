/**
 * HTML made on the server, escaped by construction: `html` is a tagged template whose every
 * interpolated value is escaped unless it is itself `Html` (made by `html`), and arrays are
 * joined. A client's `osname` of `<img src=x onerror=alert(1)>` can only ever become text, and its
 * control or bidirectional characters are shown as escapes (escapeControls), as on the terminal, so
 * that a value cannot reorder the words around it.
 */
import { escapeControls } from '../util/printable.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type HtmlValue = Html | string | number | null | undefined | readonly HtmlValue[];

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined) return '';
  return escapeHtml(escapeControls(String(value as string | number)));
}

/**
 * A value the browser sends back as typed (a form field's `value`, an id a script reads): HTML-escaped
 * only, since an escape shown for a control character would come back as the text of the escape.
 * An input box holds its own text, so a bidirectional character there reorders nothing around it.
 */
export function asTyped(value: string): Html {
  return new Html(escapeHtml(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  return new Html(strings.reduce((out, s, i) => out + s + (i < values.length ? render(values[i]) : ''), ''));
}
