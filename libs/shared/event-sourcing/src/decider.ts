import type { Refusal } from '@crm/shared/kernel';
import type { Command, Event } from './event';

/**
 * An aggregate as three pure functions. `decide` throws DomainError to refuse;
 * it returns the events to record otherwise (possibly none).
 */
export interface Decider<State, C extends Command, E extends Event> {
  readonly initialState: () => State;
  readonly decide: (command: C, state: State) => readonly E[];
  readonly evolve: (state: State, event: E) => State;
  /** Snapshot every N events so loading a long stream reads only its tail. State must be plain JSON. */
  readonly snapshot?: { readonly every: number; readonly version: number };
  /** Aggregates whose first command must find no stream (create) vs. an existing one. */
  readonly isNew?: (command: C) => boolean;
  /**
   * What a client hears when `isNew` finds the stream missing or already there:
   * the aggregate's own NOT_FOUND / ALREADY_EXISTS rather than the store's words.
   */
  readonly existence?: { readonly notFound: Refusal<string, 404>; readonly alreadyExists: Refusal<string, 409> };
  /** Every refusal `decide` may throw, as the aggregate declares them: what the OpenAPI document lists for its routes. */
  readonly refusals?: Readonly<Record<string, Refusal>>;
}

export function foldEvents<State, E extends Event>(
  decider: Pick<Decider<State, Command, E>, 'evolve'>,
  state: State,
  events: Iterable<E>,
): State {
  let current = state;
  for (const event of events) current = decider.evolve(current, event);
  return current;
}

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
