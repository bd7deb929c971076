import { registerDecorator, type ValidationArguments } from 'class-validator';
import { documentOneOfForms } from '../openapi/schema-shapes';

/**
 * A field that takes one of several shapes, each named by the key that identifies it
 * (`contactId`, `accountId`, or `name` with optional `phone`/`email`). class-validator
 * has no unions, so the DTO lists every key as optional and this check, placed on the
 * parent property, refuses none, two, or keys that belong to another shape.
 */
export type Forms = Readonly<Record<string, readonly string[]>>;

function describe(forms: Forms): string {
  return Object.entries(forms)
    .map(([key, extras]) => `{ ${[key, ...extras.map((extra) => `${extra}?`)].join(', ')} }`)
    .join(' | ');
}

export function matchesOneForm(value: unknown, forms: Forms): boolean {
  // Not an object: IsDefined / ValidateNested report that, one message per problem.
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return true;
  const record = value as Readonly<Record<string, unknown>>;
  const known = new Set(Object.entries(forms).flatMap(([key, extras]) => [key, ...extras]));
  const present = Object.keys(record).filter((key) => record[key] !== undefined && known.has(key));
  const chosen = present.filter((key) => key in forms);
  const form = chosen.length === 1 ? chosen[0] : undefined;
  if (form === undefined) return false;
  const allowed = new Set([form, ...(forms[form] ?? [])]);
  return present.every((key) => allowed.has(key));
}

/** With `type`, the nested DTO is also published as a oneOf of these forms. */
export function IsOneForm(forms: Forms, type?: () => { readonly name: string }): PropertyDecorator {
  if (type) documentOneOfForms(type, forms);
  return (target, propertyName) =>
    registerDecorator({
      name: 'isOneForm',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => matchesOneForm(value, forms),
        defaultMessage: (args?: ValidationArguments) => `${args?.property ?? 'value'} must be exactly one of ${describe(forms)}`,
      },
    });
}
