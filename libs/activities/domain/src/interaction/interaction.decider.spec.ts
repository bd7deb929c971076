// Test-only: the tag rule lets specs use the shared test helpers.
import { deciderSpec } from '@crm/shared/testing';
import type { RegardingType } from '../activity/activity.commands';
import type { InteractionChannel, InteractionDirection, LogInteraction } from './interaction.commands';
import { interactionDecider } from './interaction.decider';
import type { InteractionLogged } from './interaction.events';

const spec = deciderSpec(interactionDecider);
const interactionId = 'interaction-1';
const loggedAt = '2025-03-03T07:15:00.000Z';

const log: LogInteraction = {
  type: 'LogInteraction',
  data: {
    interactionId,
    channel: 'phone',
    direction: 'inbound',
    regarding: { type: 'contact', id: 'contact-1' },
    summary: ' مشتری درباره زمان تحویل پرسید ',
    occurredAt: '2025-03-03T10:30:00+03:30',
    durationSeconds: 240,
    activityId: 'activity-1',
    loggedAt,
  },
};

const logged: InteractionLogged = {
  type: 'InteractionLogged',
  data: { ...log.data, summary: 'مشتری درباره زمان تحویل پرسید' },
};

const withData = (data: Partial<LogInteraction['data']>): LogInteraction => ({ ...log, data: { ...log.data, ...data } });

describe('interaction decider', () => {
  it('logs an interaction, its summary trimmed and its time kept as given', () => {
    spec.given([]).when(log).then([logged]);
  });

  it('needs no duration or activity; a blank activity id counts as none', () => {
    const { durationSeconds: _s, activityId: _a, ...required } = logged.data;
    spec
      .given([])
      .when(withData({ durationSeconds: undefined, activityId: ' ', channel: 'social', direction: 'outbound' }))
      .then([{ type: 'InteractionLogged', data: { ...required, channel: 'social', direction: 'outbound' } }]);
  });

  it('accepts an interaction that happened at the very moment it is logged, and one of zero seconds', () => {
    spec
      .given([])
      .when(withData({ occurredAt: loggedAt, durationSeconds: 0 }))
      .then([{ type: 'InteractionLogged', data: { ...logged.data, occurredAt: loggedAt, durationSeconds: 0 } }]);
  });

  it('is logged once: the log is append-only', () => {
    spec.given([logged]).when(log).thenThrows('INTERACTION.ALREADY_LOGGED', { interactionId, loggedAt });
    expect(interactionDecider.isNew?.(log)).toBe(true);
  });

  it('refuses an interaction in the future beyond the clock skew every recorded fact is allowed', () => {
    spec
      .given([])
      .when(withData({ occurredAt: '2025-03-03T10:50:01+03:30' }))
      .thenThrows('INTERACTION.IN_FUTURE', { fields: ['occurredAt'] });
    // A client clock a few seconds fast (an outside probe had 400 for 2 s; a purchase at that time is taken).
    spec
      .given([])
      .when(withData({ occurredAt: '2025-03-03T10:45:02+03:30' }))
      .then([{ type: 'InteractionLogged', data: { ...logged.data, occurredAt: '2025-03-03T10:45:02+03:30' } }]);
  });

  it('refuses an empty summary', () => {
    spec
      .given([])
      .when(withData({ summary: '\u200c ' }))
      .thenThrows('INTERACTION.SUMMARY_REQUIRED', { fields: ['summary'] });
  });

  it('refuses a negative or fractional duration', () => {
    for (const durationSeconds of [-1, 1.5]) {
      spec
        .given([])
        .when(withData({ durationSeconds }))
        .thenThrows('INTERACTION.INVALID_DURATION', { fields: ['durationSeconds'] });
    }
  });

  it('refuses an unknown channel, direction or regarding, and a time without offset', () => {
    spec
      .given([])
      .when(withData({ channel: 'fax' as InteractionChannel }))
      .thenThrows('INTERACTION.INVALID_CHANNEL', { fields: ['channel'] });
    spec
      .given([])
      .when(withData({ direction: 'sideways' as InteractionDirection }))
      .thenThrows('INTERACTION.INVALID_DIRECTION', { fields: ['direction'] });
    spec
      .given([])
      .when(withData({ regarding: { type: 'ticket' as RegardingType, id: 'x' } }))
      .thenThrows('INTERACTION.INVALID_REGARDING', { fields: ['regarding.type'] });
    spec
      .given([])
      .when(withData({ occurredAt: '2025-03-03 10:30' }))
      .thenThrows('INTERACTION.INVALID_TIME', { fields: ['occurredAt'] });
  });

  it('folds into a logged state', () => {
    spec.given([logged]).thenState({ status: 'logged', interactionId, loggedAt });
  });
});
