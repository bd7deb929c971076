import { createScanner } from 'jsonc-parser';
import { parse as secureParse } from 'secure-json-parse';
import { textFault } from '@crm/shared/kernel';
import { RequestValidationError, type FieldError } from '../problem-details';

/** Deeper than any body the API takes (marketing criteria are the deepest, at four), shallow enough to walk safely. */
export const MAX_JSON_DEPTH = 32;

// jsonc-parser's SyntaxKind is a const enum, which per-file compilers (SWC) cannot inline: its published values.
const OPEN_BRACE = 1;
const CLOSE_BRACE = 2;
const OPEN_BRACKET = 3;
const CLOSE_BRACKET = 4;
const COMMA = 5;
const STRING = 10;
const EOF = 17;

interface Frame {
  readonly path: string;
  /** Keys seen so far, for an object; undefined for an array. */
  readonly keys?: Set<string>;
  index: number;
  key?: string;
  expectKey: boolean;
}

const join = (path: string, part: string) => (path === '' ? part : `${path}.${part}`);
const here = (frame: Frame | undefined) =>
  frame === undefined ? '' : join(frame.path, frame.keys ? (frame.key ?? '') : String(frame.index));

/**
 * What JSON.parse waves through: nesting past `maxDepth` (a few thousand levels
 * overflow the stack of whatever walks the value next) and a key given twice
 * (last-wins would silently drop what the client meant). One pass of
 * jsonc-parser's tokenizer, which is iterative and decodes escaped keys, so
 * `"a"` and `"\u0061"` are the same key. Syntax errors are left to JSON.parse.
 */
export function structuralFaults(text: string, maxDepth = MAX_JSON_DEPTH): FieldError[] {
  const scanner = createScanner(text, true);
  const stack: Frame[] = [];
  const faults: FieldError[] = [];
  for (let token = scanner.scan(); token !== EOF; token = scanner.scan()) {
    if (scanner.getTokenError() !== 0) break;
    const top = stack[stack.length - 1];
    if (token === OPEN_BRACE || token === OPEN_BRACKET) {
      const path = here(top);
      if (top?.keys) top.expectKey = false;
      if (stack.length >= maxDepth) {
        faults.push({ field: path || 'body', messages: [`must not nest deeper than ${maxDepth} levels`] });
        return faults;
      }
      stack.push(token === OPEN_BRACE ? { path, keys: new Set(), index: 0, expectKey: true } : { path, index: 0, expectKey: false });
    } else if (token === CLOSE_BRACE || token === CLOSE_BRACKET) {
      stack.pop();
    } else if (token === COMMA && top) {
      if (top.keys) top.expectKey = true;
      else top.index += 1;
    } else if (token === STRING && top?.keys && top.expectKey) {
      const key = scanner.getTokenValue();
      top.expectKey = false;
      top.key = key;
      if (top.keys.has(key)) faults.push({ field: join(top.path, key), messages: ['must be given once (the key appears more than once)'] });
      top.keys.add(key);
    } else if (top?.keys) {
      top.expectKey = false;
    }
  }
  return faults;
}

/** Every string (keys included) that holds control characters or a lone surrogate, by path. */
export function textFaults(value: unknown): FieldError[] {
  const faults: FieldError[] = [];
  const pending: [string, unknown][] = [['', value]];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const [path, current] = item;
    if (typeof current === 'string') {
      const fault = textFault(current);
      if (fault) faults.push({ field: path || 'body', messages: [fault] });
    } else if (Array.isArray(current)) {
      current.forEach((element, index) => pending.push([join(path, String(index)), element]));
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, element] of Object.entries(current)) {
        const fault = textFault(key);
        if (fault) faults.push({ field: join(path, JSON.stringify(key)), messages: [`key ${fault}`] });
        pending.push([join(path, key), element]);
      }
    }
  }
  return faults.reverse();
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The one JSON body parser of the API: UTF-8 that is really UTF-8, JSON that
 * is really JSON, no key twice, bounded depth, no prototype keys, and no text
 * that could not be stored. Each refusal is a 400 naming where it is: at once for
 * what cannot be parsed, from the validation pipe for the rest (`bodyFaults`).
 */
export function parseJsonBody(raw: Buffer | string, maxDepth = MAX_JSON_DEPTH): unknown {
  let text: string;
  try {
    text = typeof raw === 'string' ? raw : utf8.decode(raw);
  } catch {
    throw new RequestValidationError([{ field: 'body', messages: ['must be valid UTF-8'] }], 'REQUEST.INVALID_ENCODING');
  }
  if (text.trim() === '')
    throw new RequestValidationError([{ field: 'body', messages: ['must be a JSON value, not empty'] }], 'REQUEST.MALFORMED_JSON');
  const structure = structuralFaults(text, maxDepth);
  if (structure.some((fault) => fault.messages[0]?.startsWith('must not nest'))) throw new RequestValidationError(structure);
  let value: unknown;
  try {
    value = secureParse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    const message = error instanceof Error ? error.message : 'is not valid JSON';
    throw new RequestValidationError([{ field: 'body', messages: [message] }], 'REQUEST.MALFORMED_JSON');
  }
  const faults = [...structure, ...textFaults(value)];
  if (faults.length > 0) {
    // An object goes on to the validation pipe, which names these beside every other bad field (`bodyFaults`).
    if (typeof value !== 'object' || value === null) throw new RequestValidationError(faults);
    FAULTS.set(value, faults);
  }
  return value;
}

const FAULTS = new WeakMap<object, readonly FieldError[]>();

/**
 * What the parser found wrong in a body it parsed (a key given twice, control characters, a lone surrogate), for the
 * validation pipe to refuse together with whatever the route's DTO finds: one 400 naming every bad field.
 */
export function bodyFaults(value: unknown): readonly FieldError[] {
  return typeof value === 'object' && value !== null ? (FAULTS.get(value) ?? []) : [];
}
