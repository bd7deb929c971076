import { deepStrictEqual, fail } from 'node:assert/strict';
import { DomainError, foldEvents, type Command, type Decider, type Event } from '@crm/shared/event-sourcing';

/**
 * given(events).when(command).then(events) / .thenThrows(code): a decider checked
 * as history in, decision out. Runner-agnostic (node:assert), no mocks.
 */
export function deciderSpec<S, C extends Command, E extends Event>(decider: Decider<S, C, E>) {
  return {
    given(history: readonly E[] = []) {
      const state = () => foldEvents(decider, decider.initialState(), history);
      return {
        when(command: C) {
          const run = () => decider.decide(command, state());
          return {
            then(expected: readonly E[]): void {
              deepStrictEqual(run(), expected);
            },
            thenNothing(): void {
              deepStrictEqual(run(), []);
            },
            thenThrows(code: string, details?: Readonly<Record<string, unknown>>): DomainError {
              let events: readonly E[];
              try {
                events = run();
              } catch (error) {
                if (!(error instanceof DomainError)) throw error;
                deepStrictEqual(error.code, code);
                if (details) deepStrictEqual({ ...error.details, ...details }, { ...error.details });
                return error;
              }
              return fail(`expected ${code}, but the decider returned ${JSON.stringify(events)}`);
            },
          };
        },
        /** The state the history folds into, for assertions on evolve alone. */
        thenState(expected: S): void {
          deepStrictEqual(state(), expected);
        },
      };
    },
  };
}

/** The code and named fields of the DomainError `run` throws; any other outcome fails the test. */
export function refusalOf(run: () => unknown): { readonly code: string; readonly fields: unknown } {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, fields: error.details?.['fields'] };
    throw error;
  }
  throw new Error('expected a DomainError, nothing was thrown');
}
