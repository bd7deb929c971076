/**
 * Which fields of an event are personal data, per event type: dotted paths
 * into the event's data (`contact.fullName`, `changes.email`). A path ending
 * in `[]` names a list, which reads back as `[]` once its subject is erased;
 * every other field reads back as ERASED. The subject a field belongs to is
 * the stream the event is in (`lead-…`, `contact-…`, `complaint-…`): each
 * such record has its own data key, and erasing a person destroys the keys
 * of their records (libs/privacy).
 */
export type PersonalFields = Readonly<Record<string, readonly string[]>>;

export function mergePersonalFields(...declarations: readonly PersonalFields[]): PersonalFields {
  const merged: Record<string, string[]> = {};
  for (const declaration of declarations) {
    for (const [type, paths] of Object.entries(declaration)) merged[type] = [...new Set([...(merged[type] ?? []), ...paths])];
  }
  return merged;
}

interface FieldPath {
  readonly keys: readonly string[];
  readonly list: boolean;
}

const parsed = new Map<string, FieldPath>();

export function fieldPath(path: string): FieldPath {
  let hit = parsed.get(path);
  if (!hit) {
    const list = path.endsWith('[]');
    hit = { keys: (list ? path.slice(0, -2) : path).split('.'), list };
    parsed.set(path, hit);
  }
  return hit;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A copy of `data` with each present field at `paths` replaced by what
 * `replace` returns; the original is left alone. Only the objects on the
 * way to a replaced field are copied.
 */
export function replaceFields(data: unknown, paths: readonly string[], replace: (value: unknown, path: FieldPath) => unknown): unknown {
  if (!isObject(data)) return data;
  let out: Json = data;
  for (const raw of paths) {
    const path = fieldPath(raw);
    const parents: Json[] = [];
    let node: unknown = out;
    for (const key of path.keys.slice(0, -1)) {
      if (!isObject(node)) break;
      parents.push(node);
      node = node[key];
    }
    const last = path.keys[path.keys.length - 1] as string;
    if (!isObject(node) || parents.length !== path.keys.length - 1 || node[last] === undefined || node[last] === null) continue;
    const replaced = replace(node[last], path);
    if (replaced === node[last]) continue;
    let value = replaced;
    // Copy the containers from the leaf up, so nothing shared with the caller is mutated.
    const containers = [...parents, node];
    for (let depth = path.keys.length - 1; depth >= 0; depth -= 1) {
      value = { ...(containers[depth] as Json), [path.keys[depth] as string]: value };
    }
    out = value as Json;
  }
  return out;
}

/** Calls `visit` with each present field at `paths`, without copying anything. */
export function visitFields(data: unknown, paths: readonly string[], visit: (value: unknown) => void): void {
  if (!isObject(data)) return;
  for (const raw of paths) {
    let node: unknown = data;
    for (const key of fieldPath(raw).keys) {
      if (!isObject(node)) {
        node = undefined;
        break;
      }
      node = node[key];
    }
    if (node !== undefined && node !== null) visit(node);
  }
}

/**
 * A copy of `data` without the fields at `paths` (a reply to a caller whose role reads no personal data); an object
 * left empty by it goes too. The original is left alone. Like visitFields and replaceFields, a path goes through
 * objects only: a list on the way is left as it is (no declared path goes through one).
 */
export function omitFields(data: unknown, paths: readonly string[]): unknown {
  if (!isObject(data)) return data;
  const out: Json = { ...data };
  for (const raw of paths) {
    const [head, ...rest] = fieldPath(raw).keys as [string, ...string[]];
    if (!Object.hasOwn(out, head)) continue;
    if (rest.length === 0) {
      delete out[head];
      continue;
    }
    const inner = omitFields(out[head], [rest.join('.')]);
    if (isObject(inner) && Object.keys(inner).length === 0) delete out[head];
    else out[head] = inner;
  }
  return out;
}
