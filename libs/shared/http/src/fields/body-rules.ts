import { DomainError } from '@crm/shared/event-sourcing';
import { RequestValidationError, type FieldError } from '../problem-details';

/**
 * A rule of the domain that reads several fields of a body at once (an end before its start, a time after the
 * moment of the request): the domain's own check, throwing its DomainError with the fields it refuses. A view's query
 * has rules too (`to` before `from`): declared the same way on its query class, read from the raw parameters (strings),
 * and throwing a RequestValidationError when no refusal of the domain says it.
 */
export interface BodyRule {
  /** The fields it reads (`*` for any one step: `lines.*.quantity`): a rule over a field the field checks refused has nothing to say. */
  readonly reads: readonly string[];
  check(body: Record<string, unknown>, now: string): void;
}

const RULES = new WeakMap<object, readonly BodyRule[]>();

/**
 * The domain's rules that a body of this class must also meet. A body the field checks pass goes to the command, whose
 * decider applies them (and answers with their own codes); a body the field checks refuse never gets there, so its
 * 400 names what these rules refuse as well: every bad field at once (API.md), not one more with each attempt.
 */
export function AlsoChecks(...rules: BodyRule[]): ClassDecorator {
  return (target) => {
    RULES.set(target, [...(RULES.get(target) ?? []), ...rules]);
  };
}

/**
 * What the rules of `type` (its own and inherited) refuse in `body`, one entry per field; [] when nothing. A rule that
 * reads a field already `refused` (or a field within it, or one it is within) is not asked.
 */
export function bodyRuleFaults(
  type: unknown,
  body: unknown,
  refused: ReadonlySet<string> = new Set(),
  now = new Date().toISOString(),
): FieldError[] {
  return bodyRuleRefusals(type, body, refused, now).flat();
}

/** The same, one list of fields per rule that refuses: how many of the domain's rules the body breaks. */
export function bodyRuleRefusals(
  type: unknown,
  body: unknown,
  refused: ReadonlySet<string> = new Set(),
  now = new Date().toISOString(),
): FieldError[][] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [];
  const bad = (read: string) => [...refused].some((name) => overlaps(name, read));
  const refusals: FieldError[][] = [];
  for (let target = type; typeof target === 'function'; target = Object.getPrototypeOf(target)) {
    for (const rule of RULES.get(target) ?? []) {
      if (rule.reads.some(bad)) continue;
      try {
        rule.check(body as Record<string, unknown>, now);
      } catch (error) {
        // Anything else (a value of the wrong type reaching the rule) is the field checks' to name.
        if (error instanceof RequestValidationError && error.errors.length > 0) refusals.push([...error.errors]);
        if (!(error instanceof DomainError) || error.status !== 400) continue;
        const fields = error.details?.['fields'];
        if (Array.isArray(fields) && fields.length > 0)
          refusals.push(fields.map((field) => ({ field: String(field), messages: [error.message] })));
      }
    }
  }
  return refusals;
}

/**
 * Whether a refused field and a field a rule reads are one within the other (or the same), `*` in what the rule reads
 * standing for any one step (`lines.*.unitPrice.currency`: every line's currency).
 */
function overlaps(refused: string, read: string): boolean {
  const a = refused.split('.');
  const b = read.split('.');
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) if (b[i] !== '*' && a[i] !== b[i]) return false;
  return true;
}
