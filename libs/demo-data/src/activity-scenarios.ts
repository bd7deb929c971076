import { INTERACTION_CHANNELS, type ActivityType, type Regarding } from '@crm/activities/domain';
import { after, DAY, HOUR, SALES_REPS, type Scenario, type ScenarioContext } from './scenario';
import { activity, interaction } from './marketing-steps';

const SUBJECTS: Readonly<Record<ActivityType, string>> = {
  phone_call: 'تماس پیگیری سفارش',
  appointment: 'جلسه معرفی محصول',
  task: 'تهیه پیش‌فاکتور',
  email: 'ارسال کاتالوگ',
  letter: 'ارسال نامه رسمی',
  sms: 'یادآوری پرداخت',
};
const SUMMARIES = ['مشتری درباره زمان تحویل پرسید', 'پیگیری پیش‌فاکتور', 'درخواست بازدید از کارخانه', 'هماهنگی نصب'] as const;

const later = (at: string, minutes: number): string => new Date(Date.parse(at) + minutes * 60_000).toISOString();

/** A contact, account or opportunity on file, or none yet. */
function regardingOf(ctx: ScenarioContext): Regarding | undefined {
  const { contacts, accounts, opportunities } = ctx.people;
  if (contacts.length === 0 || accounts.length === 0 || opportunities.length === 0) return undefined;
  const type = ctx.random.weighted({ contact: 5, account: 3, opportunity: 2 });
  const ids = type === 'contact' ? contacts : type === 'account' ? accounts : opportunities;
  return { type, id: ctx.random.pick(ids) };
}

/**
 * An activity, one-off or weekly, assigned to a rep or the sales team: each
 * occurrence is completed (sometimes after a reschedule) or cancelled; a
 * completed call is often logged as an interaction too.
 */
export function* activityJourney(ctx: ScenarioContext): Scenario {
  const { random } = ctx;
  const regarding = regardingOf(ctx);
  if (regarding === undefined) return;
  const activityId = ctx.id('activity');
  const rep = random.pick(SALES_REPS);
  const activityType = random.weighted<ActivityType>({ phone_call: 35, appointment: 15, task: 20, email: 15, letter: 5, sms: 10 });
  const count = random.chance(0.25) ? random.int(2, 5) : 1;
  const assignee = random.chance(0.8) ? { userId: rep.id } : { teamId: 'team-sales' };
  const dueIn = random.int(HOUR, 5 * DAY);
  yield after(0, (scheduledAt) => {
    const recurrence = count > 1 ? { frequency: 'weekly' as const, interval: 1, count } : undefined;
    const data = {
      activityId,
      activityType,
      subject: SUBJECTS[activityType],
      regarding,
      assignee,
      dueAt: later(scheduledAt, dueIn),
      recurrence,
      scheduledAt,
    };
    return activity(activityId, { type: 'ScheduleActivity', data }, rep);
  });
  let waited = 0;
  for (let occurrence = 0; occurrence < count; occurrence += 1) {
    const which = count > 1 ? { occurrence } : {};
    const due = dueIn + occurrence * 7 * DAY;
    const outcome = random.weighted({ complete: 70, reschedule: 15, cancel: 10, cancelRest: 5 });
    if (outcome === 'cancelRest') {
      yield after(Math.max(0, due - waited - HOUR), (cancelledAt) =>
        activity(activityId, { type: 'CancelActivity', data: { activityId, reason: 'مشتری منصرف شد', cancelledAt } }, rep),
      );
      return;
    }
    let slip = 0;
    if (outcome === 'reschedule') {
      slip = random.int(1, 3) * DAY;
      yield after(Math.max(0, due - waited - HOUR), (rescheduledAt) => {
        const dueAt = later(rescheduledAt, HOUR + slip);
        return activity(
          activityId,
          { type: 'RescheduleActivity', data: { activityId, ...which, dueAt, reason: 'درخواست مشتری', rescheduledAt } },
          rep,
        );
      });
      waited = Math.max(waited, due - HOUR);
    }
    const doneIn = Math.max(0, due + slip - waited) + random.int(0, 2 * HOUR);
    waited += doneIn;
    if (outcome === 'cancel') {
      yield after(doneIn, (cancelledAt) =>
        activity(activityId, { type: 'CancelActivity', data: { activityId, ...which, cancelledAt } }, rep),
      );
      continue;
    }
    yield after(doneIn, (completedAt) =>
      activity(
        activityId,
        { type: 'CompleteActivity', data: { activityId, ...which, outcome: 'انجام شد', completedAt, recordedAt: completedAt } },
        rep,
      ),
    );
    if (activityType === 'phone_call' && random.chance(0.5)) {
      const interactionId = ctx.id('interaction');
      const durationSeconds = random.int(30, 900);
      const gap = random.int(1, 30);
      waited += gap;
      yield after(gap, (loggedAt) => {
        const data = {
          interactionId,
          channel: 'phone' as const,
          direction: 'outbound' as const,
          regarding,
          summary: random.pick(SUMMARIES),
        };
        return interaction(
          interactionId,
          { type: 'LogInteraction', data: { ...data, occurredAt: loggedAt, durationSeconds, activityId, loggedAt } },
          rep,
        );
      });
    }
  }
}

/** A touch logged as it happened: a call, message, visit or letter regarding a customer record. */
export function* interactionJourney(ctx: ScenarioContext): Scenario {
  const { random } = ctx;
  const regarding = regardingOf(ctx);
  if (regarding === undefined) return;
  const rep = random.pick(SALES_REPS);
  const touches = random.chance(0.3) ? 2 : 1;
  for (let i = 0; i < touches; i += 1) {
    const interactionId = ctx.id('interaction');
    const channel = random.pick(INTERACTION_CHANNELS);
    const direction = random.chance(0.5) ? ('inbound' as const) : ('outbound' as const);
    const summary = random.pick(SUMMARIES);
    const ago = random.int(0, 2 * HOUR);
    yield after(i === 0 ? 0 : random.int(DAY, 20 * DAY), (loggedAt) =>
      interaction(
        interactionId,
        {
          type: 'LogInteraction',
          data: { interactionId, channel, direction, regarding, summary, occurredAt: later(loggedAt, -ago), loggedAt },
        },
        rep,
      ),
    );
  }
}
