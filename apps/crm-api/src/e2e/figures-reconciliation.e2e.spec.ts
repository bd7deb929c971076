import { seedEventStore } from '@crm/demo-data';
import type { ProjectionRunner } from '@crm/projections/runtime';
import { ServiceOptionsModule } from '@crm/service/application';
import type { EventStore } from '@crm/shared/event-sourcing';
import { EVENT_STORE } from '@crm/shared/http';
import { normalizePersian } from '@crm/shared/kernel';
import { PROJECTION_RUNNER } from '../read-models/read-models.service';
import { http, startTestApp, type TestApp } from '../testing/test-app';

/**
 * An auditor's check: seed a history, export the raw events, recompute the figures with a fold written here from
 * docs/metrics.md alone (no projection code), and compare with every figure the views answer, at three asOf dates.
 */

/** One line of the export (crm-cli export events): the envelope as stored. */
interface Exported {
  readonly streamId: string;
  readonly type: string;
  readonly revision: number;
  readonly data: Record<string, unknown>;
}

const EVENTS = Number(process.env['RECONCILE_EVENTS'] ?? 30_000);

/** docs/metrics.md "Rounding": half to even at the stated decimals, ties decided on the decimal value. */
function halfEven(value: number, places: number): number {
  const scaled = value * 10 ** places;
  const floor = Math.floor(scaled);
  const tie = Math.abs(scaled - floor - 0.5) <= Math.max(1e-9, Math.abs(scaled) * 4 * Number.EPSILON);
  const whole = tie ? (floor % 2 === 0 ? floor : floor + 1) : Math.round(scaled);
  const rounded = whole / 10 ** places;
  return rounded === 0 ? 0 : rounded;
}
const rate = (part: number, whole: number) => (whole === 0 ? null : halfEven(part / whole, 4));

/** The time each complaint event records for itself (docs/metrics.md, complaint asOf). */
const STEP_TIME: Record<string, string> = {
  ComplaintReceived: 'receivedAt',
  ComplaintAcknowledged: 'acknowledgedAt',
  ComplaintAssessed: 'assessedAt',
  ComplaintAssigned: 'assignedAt',
  ComplaintInvestigationNoteAdded: 'notedAt',
  ComplaintResponded: 'respondedAt',
  ComplaintDecisionCommunicated: 'communicatedAt',
  ComplaintEscalated: 'escalatedAt',
  ComplaintClosed: 'closedAt',
  ComplaintReopened: 'reopenedAt',
  ComplaintHandlingSatisfactionRecorded: 'recordedAt',
  ComplaintSlaBreached: 'detectedAt',
  ComplaintSlaBreachWithdrawn: 'withdrawnAt',
};
const LEVELS = ['local', 'head_office', 'external_body', 'legal'];

interface Milestone {
  kind: 'acknowledge' | 'resolve';
  met: boolean;
  withdrawn: boolean;
  breach: boolean;
}

/** The complaint KPIs of docs/metrics.md, folded from the raw events of the complaint streams. */
function complaintFigures(streams: ReadonlyMap<string, Exported[]>, asOf: string) {
  const until = Date.parse(asOf);
  const ms = (event: Exported) => Date.parse(String(event.data[STEP_TIME[event.type] as string]));
  const complaints = [];
  for (const events of streams.values()) {
    const [receipt] = events;
    if (receipt?.type !== 'ComplaintReceived' || ms(receipt) > until) continue;
    const c = {
      receivedAt: ms(receipt),
      category: String(receipt.data['category']),
      status: 'received',
      level: 'local',
      severity: undefined as string | undefined,
      acknowledgedAt: undefined as number | undefined,
      closedAt: undefined as number | undefined,
      outcome: undefined as string | undefined,
      closings: 0,
      reopenings: 0,
      scores: [] as number[],
      breaches: 0,
      withdrawals: 0,
      milestones: [
        { kind: 'acknowledge', met: false, withdrawn: false, breach: false },
        { kind: 'resolve', met: false, withdrawn: false, breach: false },
      ] as Milestone[],
    };
    const current = (kind: Milestone['kind']) => c.milestones.filter((m) => m.kind === kind).at(-1) as Milestone;
    for (const event of events.slice(1)) {
      if (ms(event) > until) continue;
      const d = event.data;
      c.status = String(d['to']);
      c.level = String(d['escalationLevel']);
      if (d['severity'] !== undefined) c.severity = String(d['severity']);
      if (event.type === 'ComplaintAcknowledged') {
        c.acknowledgedAt = ms(event);
        current('acknowledge').met = true;
      } else if (event.type === 'ComplaintClosed') {
        c.closedAt = ms(event);
        c.outcome = String(d['outcome']);
        c.closings += 1;
        if (c.outcome === 'withdrawn') current('resolve').withdrawn = true;
        else current('resolve').met = true;
        if (!current('acknowledge').met) current('acknowledge').withdrawn = true;
      } else if (event.type === 'ComplaintReopened') {
        c.reopenings += 1;
        if (!current('acknowledge').met) c.milestones.push({ kind: 'acknowledge', met: false, withdrawn: false, breach: false });
        c.milestones.push({ kind: 'resolve', met: false, withdrawn: false, breach: false });
      } else if (event.type === 'ComplaintHandlingSatisfactionRecorded') {
        c.scores.push(Number(d['score']));
      } else if (event.type === 'ComplaintSlaBreached') {
        c.breaches += 1;
        current(d['milestone'] as Milestone['kind']).breach = true;
      } else if (event.type === 'ComplaintSlaBreachWithdrawn') {
        c.withdrawals += 1;
        current(d['milestone'] as Milestone['kind']).breach = false;
      }
    }
    complaints.push(c);
  }
  complaints.sort((a, b) => a.receivedAt - b.receivedAt);
  const hours = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const n = sorted.length;
    const middle = n === 0 ? null : n % 2 === 1 ? sorted[(n - 1) / 2] : ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2;
    const mean = n === 0 ? null : values.reduce((s, v) => s + v, 0) / n;
    return { count: n, meanHours: mean === null ? null : halfEven(mean, 2), medianHours: middle == null ? null : halfEven(middle, 2) };
  };
  const outcome = (m: Milestone) => (m.breach ? 'missed' : m.met ? 'met' : m.withdrawn ? 'void' : 'pending');
  const compliance = (kinds: Milestone['kind'][]) => {
    const outcomes = complaints.flatMap((c) => c.milestones.filter((m) => kinds.includes(m.kind)).map(outcome));
    const n = (o: string) => outcomes.filter((x) => x === o).length;
    return {
      due: n('met') + n('missed'),
      met: n('met'),
      missed: n('missed'),
      pending: n('pending'),
      void: n('void'),
      rate: rate(n('met'), n('met') + n('missed')),
    };
  };
  const reached = (level: string) => {
    const count = complaints.filter((c) => LEVELS.indexOf(c.level) >= LEVELS.indexOf(level)).length;
    return { complaints: count, rate: rate(count, complaints.length) };
  };
  const scores = complaints.flatMap((c) => c.scores);
  const countBy = (keys: string[], of: (c: (typeof complaints)[number]) => string) =>
    Object.fromEntries(keys.map((k) => [k, complaints.filter((c) => of(c) === k).length]));
  const categories = new Map<string, { category: string; count: number }>();
  for (const c of complaints) {
    const key = normalizePersian(c.category);
    const group = categories.get(key) ?? { category: c.category, count: 0 };
    categories.set(key, { ...group, count: group.count + 1 });
  }
  const reopened = complaints.filter((c) => c.reopenings > 0).length;
  const closed = complaints.filter((c) => c.closings > 0).length;
  return {
    asOf,
    complaints: complaints.length,
    timeToAcknowledge: hours(
      complaints.flatMap((c) => (c.acknowledgedAt === undefined ? [] : [(c.acknowledgedAt - c.receivedAt) / 3_600_000])),
    ),
    timeToResolve: hours(
      complaints.flatMap((c) =>
        c.status === 'closed' && c.outcome === 'resolved' ? [((c.closedAt as number) - c.receivedAt) / 3_600_000] : [],
      ),
    ),
    slaCompliance: {
      ...compliance(['acknowledge', 'resolve']),
      byMilestone: { acknowledge: compliance(['acknowledge']), resolve: compliance(['resolve']) },
      breachesRecorded: complaints.reduce((s, c) => s + c.breaches, 0),
      breachesWithdrawn: complaints.reduce((s, c) => s + c.withdrawals, 0),
    },
    escalation: { head_office: reached('head_office'), external_body: reached('external_body'), legal: reached('legal') },
    reopen: { closed, reopened, reopenings: complaints.reduce((s, c) => s + c.reopenings, 0), rate: rate(reopened, closed) },
    satisfaction: {
      responses: scores.length,
      mean: scores.length === 0 ? null : halfEven(scores.reduce((s, v) => s + v, 0) / scores.length, 2),
    },
    byStatus: countBy(['received', 'acknowledged', 'investigating', 'responded', 'decision_communicated', 'closed'], (c) => c.status),
    bySeverity: countBy(['low', 'medium', 'high', 'critical', 'unassessed'], (c) => c.severity ?? 'unassessed'),
    byCategory: [...categories.values()].sort(
      (a, b) => b.count - a.count || (a.category < b.category ? -1 : a.category > b.category ? 1 : 0),
    ),
  };
}

/** Every leaf of a JSON value, by path. */
function leaves(value: unknown, path = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) leaves(child, path === '' ? key : `${path}.${key}`, out);
  } else {
    out.set(path, value);
  }
  return out;
}

describe('figures an auditor can reconcile: the views agree with an independent fold of the exported log', () => {
  let server: TestApp;
  const streams = new Map<string, Exported[]>();
  const all: Exported[] = [];
  const tally = { compared: 0, equal: 0 };
  const mismatches: string[] = [];

  beforeAll(async () => {
    // No deadline watcher: the seeded steps record their own breaches, so the log is the seed's alone.
    server = await startTestApp({ CRM_EVENT_STORE: 'sqlite' }, { contexts: [ServiceOptionsModule.forRoot({ slaCheckIntervalMs: 0 })] });
    const store = server.app.get<EventStore>(EVENT_STORE);
    const { head } = await seedEventStore(store, { events: EVENTS, seed: 1 });
    await server.app.get<ProjectionRunner>(PROJECTION_RUNNER).waitFor('all', head as string, 120_000);
    // The export: $all in order, one JSON envelope per line, read back as an auditor would.
    const lines: string[] = [];
    for (let after: string | undefined, end = false; !end;) {
      const slice = await store.readAll({ ...(after === undefined ? {} : { after }), maxCount: 5_000 });
      for (const e of slice.events) lines.push(JSON.stringify({ streamId: e.streamId, type: e.type, revision: e.revision, data: e.data }));
      after = slice.checkpoint;
      end = slice.isEnd;
    }
    for (const line of lines) {
      const event = JSON.parse(line) as Exported;
      all.push(event);
      if (!event.streamId.startsWith('complaint-')) continue;
      const stream = streams.get(event.streamId) ?? [];
      stream.push(event);
      streams.set(event.streamId, stream);
    }
    for (const stream of streams.values()) stream.sort((a, b) => a.revision - b.revision);
  }, 180_000);
  afterAll(async () => {
    process.stdout.write(`figures compared ${tally.compared}, equal ${tally.equal}\n`);
    await server?.close();
  });

  const compare = (view: string, reply: unknown, expected: unknown) => {
    const got = leaves(reply);
    for (const [path, value] of leaves(expected)) {
      tally.compared += 1;
      if (got.get(path) === value) tally.equal += 1;
      else mismatches.push(`${view} ${path}: view ${String(got.get(path))}, fold ${String(value)}`);
    }
  };

  /** The three dates: end of a day in Tehran, mid-month, and just after the latest deadline-moving re-assessment. */
  function asOfDates(): string[] {
    const moved = all.filter((e) => {
      if (e.type !== 'ComplaintAssessed') return false;
      const before = e.data['previousDeadlines'] as { acknowledgeBy: string; resolveBy: string };
      const after = e.data['deadlines'] as { acknowledgeBy: string; resolveBy: string };
      return before.acknowledgeBy !== after.acknowledgeBy || before.resolveBy !== after.resolveBy;
    });
    const reassessed = moved.map((e) => Date.parse(String(e.data['assessedAt']))).sort((a, b) => a - b);
    const pick = reassessed[Math.floor(reassessed.length * 0.6)] as number;
    return ['2025-06-30T20:29:59.999Z', '2025-08-15T12:00:00.000Z', new Date(pick + 1).toISOString()];
  }

  it('exports the seeded history', () => {
    expect(all.length).toBeGreaterThanOrEqual(EVENTS);
    expect(streams.size).toBeGreaterThan(100);
  });

  it('complaint KPIs at three asOf dates, every figure', async () => {
    for (const asOf of asOfDates()) {
      const reply = await http(server.url, 'GET', `/api/v1/views/complaints/kpis?asOf=${encodeURIComponent(asOf)}`);
      expect([reply.status, reply.status === 200 ? '' : JSON.stringify(reply.body)]).toEqual([200, '']);
      compare(`kpis@${asOf}`, reply.body, complaintFigures(streams, asOf));
    }
    expect(mismatches).toEqual([]);
  }, 60_000);
});
