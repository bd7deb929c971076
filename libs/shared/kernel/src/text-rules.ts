/**
 * What text may hold before it is stored. Events are forever: a NUL, a
 * terminal escape or half of a surrogate pair written once is replayed into
 * every read model, export and log line from then on.
 */

// C0 controls but tab, line feed and carriage return (multi-line notes keep those), DEL and the C1 block.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;
// In a `u` regex a surrogate pair is one code point, so this matches only a lone half.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Why `text` cannot be stored, or undefined when it can. */
export function textFault(text: string): string | undefined {
  if (CONTROL.test(text)) return 'must not contain control characters';
  if (LONE_SURROGATE.test(text)) return 'must not contain a lone surrogate (broken Unicode)';
  return undefined;
}

/** Length in Unicode code points, as JSON Schema's maxLength counts it (an emoji is one, not two). */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
    }
    count += 1;
  }
  return count;
}
