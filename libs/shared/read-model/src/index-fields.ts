import { InvalidQueryError } from './errors';
import { type FieldPath, parsePath, type SortDirection } from './query';

/**
 * An index declaration's last field may be the document's own id: the key each store keeps it under (SQLite's and
 * PostgreSQL's `id` column, MongoDB's `_id`), not a field of the document. Finds break ties on it, so an index that
 * ends with it gives a sorted page in the find's whole order: a page reads its own rows, however many documents share
 * its sort value (without it, each store sorted the whole tie: every deal at 10% to page `sort=probability`).
 */
export const DOCUMENT_ID = '$id';

/** A field of a declaration: a dotted path, followed by ` desc` when the index holds it in descending order. */
export type IndexKey = { readonly kind: 'field'; readonly path: FieldPath; readonly direction: SortDirection } | { readonly kind: 'id' };

const DESCENDING = ' desc';

/** The keys of a declaration (`ReadModelProjection.indexes`), checked: paths as queries take them, the id only last. */
export function indexKeysOf(fields: readonly string[]): IndexKey[] {
  if (fields.length === 0) throw new InvalidQueryError('an index needs at least one field');
  return fields.map((text, i) => {
    if (text === DOCUMENT_ID) {
      if (i !== fields.length - 1 || i === 0) throw new InvalidQueryError(`${DOCUMENT_ID} can only be an index's last field, after others`);
      return { kind: 'id' };
    }
    const descending = typeof text === 'string' && text.endsWith(DESCENDING);
    return {
      kind: 'field',
      path: parsePath(descending ? text.slice(0, -DESCENDING.length) : text),
      direction: descending ? 'desc' : 'asc',
    };
  });
}

/**
 * The index a keyset list needs to page by `field` in either direction, after equalities on `prefix`: the field, then
 * the id. Finds break ties on the id in the sort's direction, so a descending page walks the same index backwards.
 */
export function keysetIndexes(prefix: readonly string[], field: string): readonly (readonly string[])[] {
  return [[...prefix, field, DOCUMENT_ID]];
}
