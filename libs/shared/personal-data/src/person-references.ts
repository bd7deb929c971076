import { contactPointForm } from '@crm/shared/kernel';
import { ERASED } from './sealing';

/**
 * Where an event names the person (or record) it is about, per event type: dotted paths to a party
 * (`{ contactId }`, `{ accountId }`, or someone not on file: `{ name, … }`) or a target (`{ type, id }`). A record
 * about a person is theirs: an erasure destroys its key with theirs (libs/privacy), and while they are being
 * erased, or once they are, no new personal data is sealed about them (`PersonalDataEventStore`).
 */
export type PersonReferences = Readonly<Record<string, readonly string[]>>;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The objects an event's data holds at the dotted `paths` (a party, a target). */
function objectsAt(data: unknown, paths: readonly string[]): Json[] {
  return paths.flatMap((path) => {
    let node: unknown = data;
    for (const key of path.split('.')) node = isObject(node) ? node[key] : undefined;
    return isObject(node) ? [node] : [];
  });
}

/** The records (streams) an event's data names at `paths`: `contact-…`, `lead-…`, `complaint-…`. */
export function referencedRecords(data: unknown, paths: readonly string[]): string[] {
  const refs: string[] = [];
  for (const node of objectsAt(data, paths)) {
    if (typeof node['contactId'] === 'string') refs.push(`contact-${node['contactId']}`);
    else if (typeof node['accountId'] === 'string') refs.push(`account-${node['accountId']}`);
    else if (typeof node['type'] === 'string' && typeof node['id'] === 'string') refs.push(`${node['type']}-${node['id']}`);
  }
  return refs;
}

/**
 * The email and phone of someone not on file (`{ name, phone?, email? }`, kept normalised) as dedupe spells a lead's
 * match keys: 'email:…', 'phone:+98…', in the one form that tells the same mailbox (`contactPointForm`). None for a
 * party on file (`{ contactId }`, `{ accountId }`) or a value erased.
 */
export function partyContactPoints(party: unknown): string[] {
  if (!isObject(party) || 'contactId' in party || 'accountId' in party) return [];
  return (['email', 'phone'] as const).flatMap((kind) =>
    typeof party[kind] === 'string' && party[kind] !== ERASED ? [contactPointForm(`${kind}:${party[kind] as string}`)] : [],
  );
}

/** The contact points of the parties not on file an event's data names at `paths` (`partyContactPoints`). */
export function referencedContactPoints(data: unknown, paths: readonly string[]): string[] {
  return objectsAt(data, paths).flatMap((node) => (typeof node['name'] === 'string' ? partyContactPoints(node) : []));
}

/**
 * The key-store ref of the fence an erasure raises around a person's record before it lists what is theirs: a
 * tombstone, so that records about them made while it runs are refused rather than missed.
 */
export const erasureFenceRef = (subjectRef: string): string => `erasing:${subjectRef}`;
