import { DomainError } from '@crm/shared/event-sourcing';
import type { Refusal } from '@crm/shared/kernel';

/**
 * An update names at least one of the fields it may change: one that names none (an empty body) is a mistake of the
 * caller's, refused 400 with every field it could have given, as a revision with nothing to revise is. An update that
 * gives a record its own values is still a no-op answered 200. Checked before the record is looked at.
 */
export function assertSomethingToUpdate<K extends string>(
  data: { readonly [field in K]?: unknown },
  fields: readonly K[],
  code: Refusal<string, number>,
): void {
  if (fields.some((field) => data[field] !== undefined)) return;
  throw new DomainError(code, `Give at least one of ${fields.join(', ')}`, { fields: [...fields] });
}
