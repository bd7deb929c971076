import { DEFAULT_TENANT, eventIdFor, type Actor, type EventToAppend } from '@crm/shared/event-sourcing';
import { derivedId } from '@crm/shared/kernel';
import { activityJourney, interactionJourney } from './activity-scenarios';
import { Agenda } from './agenda';
import { campaignJourney } from './marketing-scenarios';
import { Random } from './random';
import { directAccount, leadJourney } from './sales-scenarios';
import { type Planned, type Scenario, scenarioContext, type ScenarioContext } from './scenario';
import { complaintJourney, feedbackJourney, surveyJourney } from './service-scenarios';

export interface DemoHistoryOptions {
  /** Stops once at least this many events were produced (the last command may add a few more). */
  readonly events: number;
  /** Same seed, same history; default 1. */
  readonly seed?: number;
  /** The first event's time; default 2025-01-01T05:30:00.000Z (09:00 in Tehran). */
  readonly start?: string;
  readonly tenantId?: string;
  /**
   * Who writes the history (the CLI's OS user): recorded as the actor, with
   * the demo staff member it stands for as `onBehalfOf`. Without it, the demo
   * staff are the actors themselves.
   */
  readonly recordedBy?: Actor;
}

/** One command's events, ready for `appendToStream(streamId, events, { expectedRevision })`. */
export interface DemoAppend {
  readonly streamId: string;
  readonly expectedRevision: number | 'no_stream';
  readonly events: readonly EventToAppend[];
}

const JOURNEYS: Readonly<Record<string, (ctx: ScenarioContext) => Scenario>> = {
  lead: leadJourney,
  account: directAccount,
  complaint: complaintJourney,
  feedback: feedbackJourney,
  survey: surveyJourney,
  campaign: campaignJourney,
  activity: activityJourney,
  interaction: interactionJourney,
};
/** Campaigns are rare but long (lists, costs, responses over weeks); activities and interactions are the daily work. */
const MIX = { lead: 30, account: 10, complaint: 20, feedback: 10, survey: 24, campaign: 0.5, activity: 10, interaction: 7 };
/** Minutes between two new journeys, at most: 100k events then span a few years, as loyalty and churn need. */
const MAX_ARRIVAL_GAP = 2 * 60;

interface Running {
  readonly kind: string;
  readonly scenario: Scenario;
  readonly planned: Planned;
  readonly correlationId: string;
  readonly causationId: string | undefined;
  /** The streams this journey wrote: their states are dropped when it ends, so memory stays flat over millions of events. */
  readonly streams: Set<string>;
  /** The id of the journey's last event of each type, for the steps that react to one (Step.reaction). */
  readonly lastOfType: Map<string, string>;
}

/**
 * A deterministic, realistic CRM history: leads, deals, quotes, purchases,
 * marketing lists and campaigns, activities and logged interactions,
 * complaints, feedback and surveys interleaved in time order, every event
 * decided by the real deciders of `@crm/sales/domain`, `@crm/marketing/domain`,
 * `@crm/activities/domain` and `@crm/service/domain` (so it has exactly the shapes the API records), with
 * metadata as the command path writes it. Lazy: 100k events never sit in memory.
 */
export function* demoHistory(options: DemoHistoryOptions): Generator<DemoAppend, void, undefined> {
  const seed = options.seed ?? 1;
  const tenantId = options.tenantId ?? DEFAULT_TENANT;
  const start = Date.parse(options.start ?? '2025-01-01T05:30:00.000Z');
  if (Number.isNaN(start)) throw new RangeError(`start is not an ISO date-time: ${options.start}`);
  const random = new Random(seed);
  const ctx = scenarioContext(seed, random);
  const streams = new Map<string, { state: unknown; revision: number }>();
  // A journey's streams are forgotten when it ends: every journey writes only streams it made, so none comes back.
  // Were one to, its state would be gone and its next append would ask for `no_stream` on a stream that exists:
  // a store refuses that (the seed stops), and demo-history.spec checks every stream's revisions are contiguous.
  // (A set of every ended stream, kept to refuse them here, held about 55 MB per million events.)
  const agenda = new Agenda<Running>();
  const schedule = (time: number, running: Omit<Running, 'planned'>, next: IteratorResult<Planned, void>) => {
    if (!next.done) {
      agenda.push(time + Math.max(0, next.value.afterMinutes), { ...running, planned: next.value });
      return;
    }
    for (const streamId of running.streams) {
      streams.delete(streamId);
    }
  };
  let arrival = 0;
  let produced = 0;
  while (produced < options.events) {
    while (agenda.size === 0 || arrival <= (agenda.peekTime() as number)) {
      const kind = random.weighted(MIX);
      const scenario = (JOURNEYS[kind] as (ctx: ScenarioContext) => Scenario)(ctx);
      schedule(
        arrival,
        { kind, scenario, correlationId: ctx.id('correlation'), causationId: undefined, streams: new Set(), lastOfType: new Map() },
        scenario.next(),
      );
      arrival += random.int(1, MAX_ARRIVAL_GAP);
    }
    const { time, value: running } = agenda.pop() as { time: number; value: Running };
    const at = new Date(start + time * 60_000).toISOString();
    const step = running.planned.build(at);
    let recorded: EventToAppend[] = [];
    if (step) {
      running.streams.add(step.streamId);
      const stream = streams.get(step.streamId);
      let decided;
      try {
        decided = step.decide(stream?.state);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new Error(`demo ${running.kind} journey: ${step.command.type} on ${step.streamId} was refused: ${why}`);
      }
      // Drawn for every step, so a reaction's own ids leave every later id of the history as it was.
      const drawn = ctx.id('command');
      const trigger = step.reaction && running.lastOfType.get(step.reaction.to);
      if (step.reaction && !trigger) throw new Error(`demo ${running.kind} journey: ${step.command.type} reacts to no ${step.reaction.to}`);
      const commandId = trigger && step.reaction ? derivedId(trigger, step.reaction.step) : drawn;
      const causationId = trigger || (running.causationId ?? commandId);
      recorded = decided.events.map((event, index) => ({
        type: event.type,
        data: event.data,
        metadata: {
          eventId: eventIdFor(commandId, index),
          commandId,
          correlationId: running.correlationId,
          causationId,
          actor: options.recordedBy ? { ...options.recordedBy, onBehalfOf: step.actor.id } : step.actor,
          tenantId,
          occurredAt: at,
          schemaVersion: 1,
        },
      }));
      for (const event of recorded) running.lastOfType.set(event.type, event.metadata.eventId);
      if (recorded.length > 0) {
        const revision = stream?.revision ?? -1;
        streams.set(step.streamId, { state: decided.state, revision: revision + recorded.length });
        produced += recorded.length;
        yield { streamId: step.streamId, expectedRevision: revision < 0 ? 'no_stream' : revision, events: recorded };
      } else {
        streams.set(step.streamId, { state: decided.state, revision: stream?.revision ?? -1 });
      }
    }
    const last = recorded[recorded.length - 1];
    const next = running.scenario.next(recorded.map(({ type, data }) => ({ type, data: data as Record<string, unknown> })));
    schedule(time, { ...running, causationId: last?.metadata.eventId ?? running.causationId }, next);
  }
}
