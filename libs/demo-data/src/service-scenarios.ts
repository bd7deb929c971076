import { streamIdOf, type Actor } from '@crm/shared/event-sourcing';
import {
  complaintDecider,
  DEFAULT_SLA_POLICY,
  feedbackDecider,
  SERVQUAL_DIMENSIONS,
  surveyResponseDecider,
  type ComplaintCommand,
  type FeedbackCommand,
  type Party,
  type ServiceChannel,
  type ServqualScores,
  type Severity,
  type SurveyAnswers,
  type SurveyCommand,
  type SurveyType,
} from '@crm/service/domain';
import type { Random } from './random';
import { after, AGENTS, DAY, HOUR, type Scenario, type ScenarioContext, stepOf, SYSTEM, WEB } from './scenario';
import {
  COMPLAINT_CATEGORIES,
  COMPLAINT_TEXTS,
  FEEDBACK_TEXTS,
  FIRST_NAMES,
  iranianMobile,
  LAST_NAMES,
  NOTES,
  personName,
  RESPONSES,
} from './vocabulary';

const complaint = (id: string, command: ComplaintCommand, actor: Actor) =>
  stepOf(complaintDecider, streamIdOf('complaint', id), command, actor);
const feedback = (id: string, command: FeedbackCommand, actor: Actor) =>
  stepOf(feedbackDecider, streamIdOf('feedback', id), command, actor);
const survey = (id: string, command: SurveyCommand, actor: Actor) =>
  stepOf(surveyResponseDecider, streamIdOf('survey-response', id), command, actor);

const CHANNELS: readonly ServiceChannel[] = ['phone', 'sms', 'email', 'web', 'social', 'in_person', 'letter'];

/** A known customer most of the time, else someone who just phoned in. */
function party(ctx: ScenarioContext): Party {
  const { random, people } = ctx;
  if (people.contacts.length > 0 && random.chance(0.6)) return { contactId: random.pick(people.contacts) };
  if (people.accounts.length > 0 && random.chance(0.3)) return { accountId: random.pick(people.accounts) };
  return { name: personName(random.pick(FIRST_NAMES), random.pick(LAST_NAMES)), phone: iranianMobile(ctx.serial(), random.chance(0.5)) };
}

/** Minutes within which a step falls: mostly well inside the SLA window, now and then past it. */
function budget(random: Random, windowMinutes: number, lateShare: number): number {
  const share = random.chance(lateShare) ? random.int(110, 200) : random.int(20, 80);
  return Math.max(10, Math.round((windowMinutes * share) / 100));
}

/**
 * ISO 10002 handling with its detours, timed against the SLA policy so that
 * most milestones are met and some are not (the decider then records the
 * breach): re-assessment, escalation, withdrawal, reopening, satisfaction.
 */
export function* complaintJourney(ctx: ScenarioContext): Scenario {
  const { random } = ctx;
  const complaintId = ctx.id('complaint');
  const agent = random.pick(AGENTS);
  const complainant = party(ctx);
  const category = random.pick(COMPLAINT_CATEGORIES);
  const description = random.pick(COMPLAINT_TEXTS);
  const channel = random.pick(CHANNELS);
  const severity = random.pick<Severity>(['low', 'medium', 'medium', 'high', 'critical']);
  const policy = DEFAULT_SLA_POLICY[severity];
  yield after(0, (receivedAt) =>
    complaint(
      complaintId,
      { type: 'ReceiveComplaint', data: { complaintId, complainant, channel, category, description, receivedAt } },
      agent,
    ),
  );
  const path = random.weighted({ handled: 82, withdrawn: 12, untouched: 6 });
  if (path === 'untouched') return;
  const ackWindow = Math.min(policy.acknowledgeWithinMinutes, DEFAULT_SLA_POLICY.medium.acknowledgeWithinMinutes);
  yield after(budget(random, ackWindow, 0.08), (at) =>
    complaint(complaintId, { type: 'AcknowledgeComplaint', data: { at, message: 'شکایت شما ثبت شد' } }, agent),
  );
  if (path === 'withdrawn') {
    yield after(random.int(HOUR, 5 * DAY), (at) =>
      complaint(complaintId, { type: 'CloseComplaint', data: { outcome: 'withdrawn', at } }, agent),
    );
    return;
  }
  // The rest of the handling shares the resolution window in tenths.
  const unit = budget(random, policy.resolveWithinMinutes, 0.1) / 10;
  const within = (units: number) => random.int(1, Math.max(1, Math.round(unit * units)));
  yield after(within(0.5), (at) => complaint(complaintId, { type: 'AssessComplaint', data: { severity, at } }, agent));
  const assignee = random.chance(0.5) ? { teamId: 'team-service-tehran' } : { userId: random.pick(AGENTS).id };
  yield after(within(0.5), (at) => complaint(complaintId, { type: 'AssignComplaint', data: { assignee, at } }, agent));
  yield* investigate(ctx, complaintId, agent, within);
  if (random.chance(0.12)) {
    const reason = 'نیاز به تأیید دفتر مرکزی';
    yield after(within(1), (at) =>
      complaint(complaintId, { type: 'EscalateComplaint', data: { toLevel: 'head_office', reason, at } }, agent),
    );
    if (random.chance(0.2)) {
      const further = 'ارجاع به مرجع حل اختلاف';
      yield after(within(1), (at) =>
        complaint(complaintId, { type: 'EscalateComplaint', data: { toLevel: 'external_body', reason: further, at } }, agent),
      );
    }
  }
  yield* settle(ctx, complaintId, agent, within);
  if (random.chance(0.08)) {
    yield after(random.int(2 * DAY, 20 * DAY), (at) =>
      complaint(complaintId, { type: 'ReopenComplaint', data: { reason: 'مشکل دوباره تکرار شد', at } }, agent),
    );
    yield* investigate(ctx, complaintId, agent, within);
    yield* settle(ctx, complaintId, agent, within);
  }
}

type Within = (units: number) => number;

function* investigate(ctx: ScenarioContext, complaintId: string, agent: Actor, within: Within): Scenario {
  for (let i = ctx.random.int(0, 3); i > 0; i -= 1) {
    const note = ctx.random.pick(NOTES);
    yield after(within(1), (at) => complaint(complaintId, { type: 'AddInvestigationNote', data: { note, at } }, agent));
  }
}

/** Respond, tell the complainant, close; maybe they rate the handling. */
function* settle(ctx: ScenarioContext, complaintId: string, agent: Actor, within: Within): Scenario {
  const { random } = ctx;
  const response = random.pick(RESPONSES);
  yield after(within(2), (at) => complaint(complaintId, { type: 'RespondToComplaint', data: { response, at } }, agent));
  const channel = random.pick(CHANNELS);
  yield after(within(1), (at) => complaint(complaintId, { type: 'CommunicateDecision', data: { decision: response, channel, at } }, agent));
  const outcome = random.chance(0.8) ? 'resolved' : 'unresolved';
  yield after(within(1), (at) => complaint(complaintId, { type: 'CloseComplaint', data: { outcome, at } }, agent));
  if (random.chance(0.6)) {
    const score = random.int(1, 5);
    yield after(random.int(HOUR, 5 * DAY), (at) =>
      complaint(complaintId, { type: 'RecordHandlingSatisfaction', data: { score, at } }, SYSTEM),
    );
  }
}

export function* feedbackJourney(ctx: ScenarioContext): Scenario {
  const { random } = ctx;
  const feedbackId = ctx.id('feedback');
  const from = party(ctx);
  const kind = random.pick(['opinion', 'idea', 'praise'] as const);
  const text = random.pick(FEEDBACK_TEXTS);
  const channel = random.pick(CHANNELS);
  yield after(0, (submittedAt) =>
    feedback(
      feedbackId,
      { type: 'SubmitFeedback', data: { feedbackId, from, kind, text, channel, submittedAt, recordedAt: submittedAt } },
      WEB,
    ),
  );
  if (random.chance(0.6)) {
    yield after(random.int(HOUR, 3 * DAY), (at) =>
      feedback(feedbackId, { type: 'AcknowledgeFeedback', data: { at, reply: 'از بازخورد شما سپاسگزاریم' } }, random.pick(AGENTS)),
    );
  }
}

function scores(random: Random, low: number): ServqualScores {
  const entries = SERVQUAL_DIMENSIONS.map((dimension) => [dimension, random.int(low, 7)] as const);
  return Object.fromEntries(entries) as Record<(typeof SERVQUAL_DIMENSIONS)[number], number>;
}

function answersFor(random: Random, surveyType: SurveyType): SurveyAnswers {
  switch (surveyType) {
    case 'csat':
      return { score: random.int(1, 5) };
    case 'nps':
      return { score: random.int(0, 10) };
    case 'ces':
      return { score: random.int(1, 7) };
    case 'servqual':
      return { expectations: scores(random, 4), perceptions: scores(random, 2) };
  }
}

export function* surveyJourney(ctx: ScenarioContext): Scenario {
  const { random } = ctx;
  const responseId = ctx.id('survey-response');
  const surveyType = random.weighted<SurveyType>({ csat: 40, nps: 35, ces: 15, servqual: 10 });
  const answers = answersFor(random, surveyType);
  const respondent = party(ctx);
  const channel = random.pick(CHANNELS);
  yield after(0, (respondedAt) =>
    survey(
      responseId,
      {
        type: 'RecordSurveyResponse',
        data: { responseId, surveyType, respondent, answers, respondedAt, recordedAt: respondedAt, channel },
      },
      WEB,
    ),
  );
}
