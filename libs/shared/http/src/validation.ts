import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { RequestValidationError, type FieldError } from './problem-details';
import { NOT_AN_OBJECT } from './fields/fields';
import { ITEM_PROBLEMS } from './fields/validators';
import { bodyFaults, textFaults } from './edge/json-body';
import { bodyRuleFaults, bodyRuleRefusals } from './fields/body-rules';
import { mergeFields } from './edge/every-bad-part';
import { withAsciiDigits } from './fields/query-fields';

type MetadataStorage = ReturnType<typeof getMetadataStorage>;
type Lookup = MetadataStorage['getTargetValidationMetadatas'];
type Metadata = ReturnType<Lookup>;

const MEMOIZED = Symbol('crm.validation.memoized');

/**
 * class-validator works out a class's rules on every validation, for the body
 * and again for each nested object: it filters the class's own rules and walks
 * the rules of every decorated class in the process to find those it inherits
 * (`getTargetValidationMetadatas`), then groups them by property. The answer
 * only changes when a rule is added, so it is kept per class and options here
 * and dropped whenever the storage takes a new rule or schema. Same rules, same
 * errors. Installed once on the storage (the process-wide one by default).
 */
export function memoizeValidationMetadata(storage: MetadataStorage = getMetadataStorage()): void {
  const marked = storage as MetadataStorage & { [MEMOIZED]?: true };
  if (marked[MEMOIZED]) return;
  marked[MEMOIZED] = true;
  let byClass = new WeakMap<object, Map<string, Metadata>>();
  // Only the lists handed out below are grouped once: they stay as they are until a rule is added.
  let grouped = new WeakMap<Metadata, ReturnType<MetadataStorage['groupByPropertyName']> | undefined>();
  const forget = () => {
    byClass = new WeakMap();
    grouped = new WeakMap();
  };
  const lookup: Lookup = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  for (const name of ['addValidationMetadata', 'addConstraintMetadata', 'addValidationSchema'] as const) {
    const add = (storage[name] as (...args: unknown[]) => void).bind(storage);
    (storage as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      forget();
      add(...args);
      forget();
    };
  }
  storage.getTargetValidationMetadatas = (targetConstructor, targetSchema, always, strictGroups, groups) => {
    const key = `${String(targetSchema ?? '')}\u0000${always}\u0000${strictGroups}\u0000${groups === undefined ? '' : `[${groups.join('\u0000')}]`}`;
    let forClass = byClass.get(targetConstructor);
    if (forClass === undefined) byClass.set(targetConstructor, (forClass = new Map()));
    let found = forClass.get(key);
    if (found === undefined) {
      found = lookup(targetConstructor, targetSchema, always, strictGroups, groups);
      forClass.set(key, found);
      grouped.set(found, undefined);
    }
    return found;
  };
  storage.groupByPropertyName = (metadata) => {
    if (!grouped.has(metadata)) return group(metadata);
    let found = grouped.get(metadata);
    if (found === undefined) grouped.set(metadata, (found = group(metadata)));
    return found;
  };
}

/**
 * Flattens class-validator's tree into one entry per bad field, with dotted paths. A nested object refused as no
 * object at all (NOT_AN_OBJECT) is one entry: not the elements of an array given in its place, nor class-validator's
 * own "nested property … must be either object or array", which names an array as allowed where it is not.
 */
export function flattenValidationErrors(errors: readonly ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const constraints = { ...error.constraints };
    const notAnObject = NOT_AN_OBJECT in constraints;
    if (notAnObject) delete constraints[NESTED_VALIDATION];
    else if (constraints[NESTED_VALIDATION] !== undefined) constraints[NESTED_VALIDATION] = `${field} must be an object`;
    const items = itemFaults(field, error.value, constraints);
    // Two checks may say the same (a date's shape and its ISO 8601 form): each message once.
    const messages = [...new Set(Object.values(constraints))];
    const own: FieldError[] = [...(messages.length > 0 ? [{ field, messages }] : []), ...items];
    return notAnObject ? own : [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/**
 * A list refused for its items (ITEM_PROBLEMS): each bad item named on its own (`actions.1`), its constraint taken
 * out of the list's own messages. A list refused as a whole (no array, too many items) keeps its one message.
 */
function itemFaults(field: string, value: unknown, constraints: Record<string, string>): FieldError[] {
  const faults: FieldError[] = [];
  for (const name of Object.keys(constraints)) {
    const each = ITEM_PROBLEMS.get(name);
    if (each === undefined || !Array.isArray(value) || !(constraints[name] ?? '').includes(' item ')) continue;
    delete constraints[name];
    for (const [index, item] of value.entries()) {
      const fault = each(item, {});
      if (fault !== undefined) faults.push({ field: `${field}.${index}`, messages: [`${field}.${index} ${fault}`] });
    }
  }
  return faults;
}

/** class-validator's constraint for a value `ValidateNested` could not walk into (a string where an object goes). */
const NESTED_VALIDATION = 'nestedValidation';

/**
 * Names every object answers to (`constructor`, `toString`, `valueOf`, …: Object.prototype's own), and `prototype`,
 * which Nest's pipe deletes with `constructor` and `__proto__` (stripProtoKeys).
 */
const MEMBER_NAMES: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);
/** Put before such a name in a copy of the request (no request text holds a NUL: json-body.ts, textFaults). */
const MEMBER_MARK = '\u0000';

/** Whether a field at any depth is named as a member every object has. */
function hasMemberNamedField(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasMemberNamedField);
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, field]) => MEMBER_NAMES.has(key) || hasMemberNamedField(field));
}

/** A copy with every field named as a member every object has renamed (MEMBER_MARK + name). */
function markMemberNamedFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(markMemberNamedFields);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [MEMBER_NAMES.has(key) ? MEMBER_MARK + key : key, markMemberNamedFields(field)]),
  );
}

/**
 * Query strings get the text check bodies get from the JSON parser (json-body.ts): no control character (NUL among
 * them, which PostgreSQL cannot store or compare) and no lone surrogate. Those, and what the parser found in a body
 * (`bodyFaults`: the same text check, a key given twice), are named beside whatever else class-validator finds
 * wrong: one 400 with every bad field.
 */
class EdgeValidationPipe extends ValidationPipe {
  override async transform(given: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // A query's dates in Persian or Arabic-Indic digits, read as ASCII ones before anything reads them (DigitsInAnyScript).
    const value = metadata.type === 'query' ? withAsciiDigits(metadata.metatype, given) : given;
    // A body of JSON `null` is no object: Nest's pipe would take it for an empty one, and a command whose fields are all
    // optional (a revocation, a campaign's start) would run. A list, a string, a number or a boolean is none either:
    // named as such, not as a list's items being unknown fields or as every required field missing (an outside probe).
    const notAnObject = value === null || (value !== undefined && (typeof value !== 'object' || Array.isArray(value)));
    if (metadata.type === 'body' && notAnObject && metadata.metatype !== undefined)
      throw new RequestValidationError([{ field: 'body', messages: ['must be a JSON object'] }]);
    const faults: FieldError[] = [...(metadata.type === 'query' ? textFaults(value) : metadata.type === 'body' ? bodyFaults(value) : [])];
    // Before Nest's pipe, which deletes a `constructor` field from the value it is given (stripProtoKeys).
    const marked =
      (metadata.type === 'body' || metadata.type === 'query') && hasMemberNamedField(value) ? markMemberNamedFields(value) : undefined;
    let others: readonly FieldError[] = [];
    let transformed: unknown;
    try {
      transformed = await super.transform(value, metadata);
    } catch (error) {
      if (!(error instanceof RequestValidationError)) throw error;
      others = error.errors;
    }
    if (marked !== undefined) faults.push(...(await this.memberNamedFaults(marked, metadata)));
    // A body's rules (AlsoChecks), and a view query's over several parameters (`to` before `from`).
    const ruled = metadata.type === 'body' || metadata.type === 'query';
    if (faults.length === 0 && others.length === 0) {
      // The fields pass. One rule of the domain broken is the command's to refuse, with its own code; two or more
      // would be named one per attempt there (its decider stops at the first), so the edge names them all here.
      const broken = ruled ? bodyRuleRefusals(metadata.metatype, value) : [];
      if (broken.length < 2) return transformed;
      throw new RequestValidationError(mergeFields(broken.flat()));
    }
    // Refused: the domain's rules over several fields (AlsoChecks) are named in the same 400, once per field.
    const refused = [...faults, ...others];
    const rules = ruled ? bodyRuleFaults(metadata.metatype, value, new Set(refused.map((fault) => fault.field))) : [];
    const named = new Set<string>();
    throw new RequestValidationError([...refused, ...rules].filter((fault) => !named.has(fault.field) && named.add(fault.field)));
  }

  /**
   * A field named `constructor`, `toString` or another member every object has is not copied by class-transformer (the
   * instance already answers to it; and Nest's pipe deletes `constructor`), so `forbidNonWhitelisted` never saw it and it
   * was dropped silently, not refused as unknown as any other. Where one is sent, a copy with those fields renamed
   * (`marked`, markMemberNamedFields) is checked too, and the unknown ones among them are named as sent
   * (`inner.constructor`).
   */
  private async memberNamedFaults(marked: unknown, metadata: ArgumentMetadata): Promise<FieldError[]> {
    try {
      await super.transform(marked, metadata);
      return [];
    } catch (error) {
      if (!(error instanceof RequestValidationError)) throw error;
      const unmark = (text: string) => text.split(MEMBER_MARK).join('');
      return error.errors
        .filter((fault) => fault.field.includes(MEMBER_MARK))
        .map((fault) => ({ field: unmark(fault.field), messages: fault.messages.map(unmark) }));
    }
  }
}

/**
 * Shape at the edge (STYLE.md 5): unknown fields are refused, not silently dropped,
 * and every bad field is reported at once.
 */
export function createValidationPipe(): ValidationPipe {
  memoizeValidationMetadata();
  return new EdgeValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    // The value stays on each error for the flattening (a list named item by item), never in a reply.
    validationError: { target: false, value: true },
    stopAtFirstError: false,
    exceptionFactory: (errors) => new RequestValidationError(flattenValidationErrors(errors)),
  });
}

/** The fields a request body would be refused for, sorted; [] when it passes. What DTO specs assert on, without an HTTP server. */
export async function refusedFields(metatype: new () => object, body: unknown): Promise<string[]> {
  try {
    await createValidationPipe().transform(body, { type: 'body', metatype });
    return [];
  } catch (error) {
    if (!(error instanceof RequestValidationError)) throw error;
    return error.errors.map((e) => e.field).sort();
  }
}
