import { derivedId } from '@crm/shared/kernel';
import type { Actor, Command, Decider, Event } from '@crm/shared/event-sourcing';
import type { Random } from './random';

/** One command on one stream, decided by the real decider against that stream's state. */
export interface Step {
  readonly streamId: string;
  readonly command: Command;
  readonly actor: Actor;
  /** Runs the decider; `state` is undefined for a stream not written yet. */
  readonly decide: (state: unknown) => { readonly events: readonly Event[]; readonly state: unknown };
  /** A process manager's step: recorded as the reactor records it (see `asReaction`). */
  readonly reaction?: Reaction;
}

/** Which event of the journey a step reacts to (its type: the journey's last one of that type) and the step's name. */
export interface Reaction {
  readonly to: string;
  readonly step: string;
}

/**
 * A step a process manager takes because of an event (`@crm/sales/application`'s reactors), recorded with the
 * ids the reactor would give it: command id `derivedId(trigger event id, step)`, the trigger as causation. A
 * reactor that runs over the seeded history (a first start after `crm-cli seed`) then finds each reaction
 * recorded and gets the first result, instead of having it refused (ACCOUNT.ALREADY_EXISTS) and logged.
 */
export function asReaction(step: Step, to: string, name: string): Step {
  return { ...step, reaction: { to, step: name } };
}

export function stepOf<S, C extends Command, E extends Event>(decider: Decider<S, C, E>, streamId: string, command: C, actor: Actor): Step {
  return {
    streamId,
    command,
    actor,
    decide: (state) => {
      const current = state === undefined ? decider.initialState() : (state as S);
      const events = decider.decide(command, current);
      return { events, state: events.reduce(decider.evolve, current) };
    },
  };
}

/** What a scenario yields: wait this many minutes, then run the step made for that moment (none: skip). */
export interface Planned {
  readonly afterMinutes: number;
  readonly build: (at: string) => Step | undefined;
}

/** A business process over time; it receives the events each of its steps recorded. */
export type Scenario = Generator<Planned, void, readonly Event[]>;

export interface People {
  readonly contacts: string[];
  readonly accounts: string[];
  readonly opportunities: string[];
}

export interface ScenarioContext {
  readonly random: Random;
  /** The history's seed. */
  readonly seed: number;
  /** Records created so far, for complaints and surveys to refer to. */
  readonly people: People;
  /** Campaigns running now: leads captured with source `campaign` are attributed to one of them. */
  readonly campaigns: string[];
  /** A fresh deterministic UUID. */
  id(kind: string): string;
  /** A fresh number, for phones, emails and invoice numbers. */
  serial(): number;
}

export function scenarioContext(seed: number, random: Random): ScenarioContext {
  let ids = 0;
  let serials = 0;
  const namespace = derivedId('crm-demo-data', seed);
  return {
    random,
    seed,
    people: { contacts: [], accounts: [], opportunities: [] },
    campaigns: [],
    id: (kind) => derivedId(namespace, `${kind}:${(ids += 1)}`),
    serial: () => (serials += 1),
  };
}

export const MINUTE = 1;
export const HOUR = 60;
export const DAY = 24 * HOUR;

export function after(afterMinutes: number, build: (at: string) => Step | undefined): Planned {
  return { afterMinutes, build };
}

/** The calendar date `days` after an instant, as date-only fields (close dates, validity) are written. */
export function dateAfter(at: string, days: number): string {
  return new Date(Date.parse(at) + days * 86_400_000).toISOString().slice(0, 10);
}

export const SYSTEM: Actor = { id: 'system', roles: ['system'] };
export const SALES_REPS: readonly Actor[] = ['sales-01', 'sales-02', 'sales-03', 'sales-04'].map((id) => ({ id, roles: ['sales'] }));
export const AGENTS: readonly Actor[] = ['agent-11', 'agent-12', 'agent-13'].map((id) => ({ id, roles: ['service'] }));
export const WEB: Actor = { id: 'web-form', roles: ['integration'] };
export const MARKETERS: readonly Actor[] = ['marketing-21', 'marketing-22'].map((id) => ({ id, roles: ['marketing'] }));
