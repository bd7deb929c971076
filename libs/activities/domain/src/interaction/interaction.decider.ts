import { DomainError, requireText, type Decider } from '@crm/shared/event-sourcing';
import { compact, isAheadOf, present, NOT_FOUND } from '@crm/shared/kernel';
import { validRegarding } from '../common/regarding';
import { instantOf, writtenInstant } from '../common/time';
import { INTERACTION_CHANNELS, type InteractionCommand, type InteractionDirection, type LogInteraction } from './interaction.commands';
import type { InteractionEvent } from './interaction.events';
import { INTERACTION_REFUSALS } from './interaction.refusals';

/** The log is append-only, so the state only has to know that the interaction exists. */
export type InteractionState =
  { readonly status: 'none' } | { readonly status: 'logged'; readonly interactionId: string; readonly loggedAt: string };

const DIRECTIONS: readonly InteractionDirection[] = ['inbound', 'outbound'];

export const initialInteractionState = (): InteractionState => ({ status: 'none' });

const at = (value: string, field: string) => instantOf(value, field, INTERACTION_REFUSALS.INVALID_TIME);

/**
 * Logged after the fact, never ahead of it: a future "interaction" is a plan, i.e. an activity. Ahead by the clock
 * skew every recorded fact is allowed (CLOCK_SKEW_MS): a call-centre client whose clock runs a second fast logs the call
 * that just ended (an outside probe had 400 for 2 s, where a purchase or a completion at that time is taken).
 */
export function assertLoggedAfter(occurredAt: string, loggedAt: string): void {
  at(occurredAt, 'occurredAt');
  at(loggedAt, 'loggedAt');
  if (isAheadOf(occurredAt, loggedAt)) {
    throw new DomainError(INTERACTION_REFUSALS.IN_FUTURE, `occurredAt ${occurredAt} is after the time it is logged (${loggedAt})`, {
      fields: ['occurredAt'],
    });
  }
}

function durationOf(seconds: number | undefined): number | undefined {
  if (seconds !== undefined && (!Number.isInteger(seconds) || seconds < 0)) {
    throw new DomainError(INTERACTION_REFUSALS.INVALID_DURATION, 'durationSeconds is a whole number ≥ 0', { fields: ['durationSeconds'] });
  }
  return seconds;
}

function log({ data }: LogInteraction, state: InteractionState): InteractionEvent[] {
  if (state.status !== 'none') {
    throw new DomainError(INTERACTION_REFUSALS.ALREADY_LOGGED, `Interaction ${state.interactionId} was already logged`, {
      interactionId: state.interactionId,
      loggedAt: state.loggedAt,
    });
  }
  if (!INTERACTION_CHANNELS.includes(data.channel)) {
    throw new DomainError(INTERACTION_REFUSALS.INVALID_CHANNEL, `channel is one of ${INTERACTION_CHANNELS.join(', ')}`, {
      fields: ['channel'],
    });
  }
  if (!DIRECTIONS.includes(data.direction)) {
    throw new DomainError(INTERACTION_REFUSALS.INVALID_DIRECTION, 'direction is inbound or outbound', { fields: ['direction'] });
  }
  const regarding = validRegarding(data.regarding, INTERACTION_REFUSALS.INVALID_REGARDING);
  const summary = requireText(data.summary, 'summary', INTERACTION_REFUSALS.SUMMARY_REQUIRED);
  assertLoggedAfter(data.occurredAt, data.loggedAt);
  return [
    {
      type: 'InteractionLogged',
      data: compact({
        interactionId: data.interactionId,
        channel: data.channel,
        direction: data.direction,
        regarding,
        summary,
        occurredAt: writtenInstant(data.occurredAt),
        durationSeconds: durationOf(data.durationSeconds),
        activityId: present(data.activityId),
        customer: data.customer,
        withoutConsent: data.withoutConsent === true ? true : undefined,
        loggedAt: data.loggedAt,
      }),
    },
  ];
}

export function decideInteraction(command: InteractionCommand, state: InteractionState): InteractionEvent[] {
  switch (command.type) {
    case 'LogInteraction':
      return log(command, state);
    default: {
      // A one-member union does not narrow as a whole, its tag does; the check still fails when a second command joins.
      const _exhaustive: never = command.type;
      return _exhaustive;
    }
  }
}

export function evolveInteraction(state: InteractionState, event: InteractionEvent): InteractionState {
  switch (event.type) {
    case 'InteractionLogged':
      return { status: 'logged', interactionId: event.data.interactionId, loggedAt: event.data.loggedAt };
    default: {
      const _exhaustive: never = event.type;
      return _exhaustive;
    }
  }
}

export const interactionDecider: Decider<InteractionState, InteractionCommand, InteractionEvent> = {
  initialState: initialInteractionState,
  decide: decideInteraction,
  evolve: evolveInteraction,
  isNew: (command) => command.type === 'LogInteraction',
  existence: { notFound: NOT_FOUND.interaction, alreadyExists: INTERACTION_REFUSALS.ALREADY_LOGGED },
  refusals: INTERACTION_REFUSALS,
};
