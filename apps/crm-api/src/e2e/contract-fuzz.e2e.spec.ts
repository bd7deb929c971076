import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Pool } from 'pg';
import { accessRuleFor, mayCall } from '@crm/identity/application';
import { ALL_PROJECTIONS } from '@crm/platform';
import type { ProjectionRunner } from '@crm/projections/runtime';
import type { EventStore } from '@crm/shared/event-sourcing';
import { EVENT_STORE, inAnyDigitScript, INSTANT_PATTERN, LINE_PATTERN, READ_STORE, type Principal } from '@crm/shared/http';
import type { ReadStore } from '@crm/shared/read-model';
import { diffReadModels, snapshotReadModels } from '@crm/shared/testing';
import { PROJECTION_RUNNER } from '../read-models/read-models.service';
import { brokenChains, readLog } from '../testing/event-log';
import { phoneCall, weeklyFollowUp } from './activities-e2e-support';
import { http, issueKey, startTestApp, type TestApp } from '../testing/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking an arbitrary JSON document

/**
 * What an outside fuzzer does with the published document: every operation, called with inputs generated from its
 * own schemas (valid, broken one field at a time, or junk), with ids of records made earlier in the run so that the
 * business rules are reached, not only the edge. Every reply must be one the document declares (checked by `http`),
 * none a 5xx, and a command that is refused must append nothing (no event carries its correlation id). Some requests
 * come from a caller of another tenant (a record of the admin's tenant must not be reached: never a 2xx), some from an
 * analyst (a route its role may not call answers 403). Afterwards every stream's chain must verify and the read models
 * must equal a rebuild of all projections.
 * FUZZ_SEED and FUZZ_RUNS (per operation and pass) change the inputs; the seed is printed.
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? 20261205);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 12);

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly op: Json;
}

interface Request {
  readonly path: string;
  /** The values put in for the path's parameters. */
  readonly ids: readonly string[];
  readonly body?: unknown;
  readonly headers: Record<string, string>;
}

/** Ids of what the run created, by the collection that created them (`/api/v1/accounts`). */
class Made {
  private readonly byCollection = new Map<string, string[]>();
  private readonly tenants = new Map<string, Set<string>>();
  add(tenantId: string, collection: string, id: string): void {
    this.byCollection.set(collection, [...(this.byCollection.get(collection) ?? []), id]);
    this.tenants.set(id, new Set([...(this.tenants.get(id) ?? []), tenantId]));
  }
  /** The tenants a record with this id was made in (none: not made by this run). */
  tenantsOf(id: string): ReadonlySet<string> {
    return this.tenants.get(id) ?? new Set();
  }
  /** An id of the collection (or of any, when it made none), of any tenant, else a fresh one. */
  idOf(collection: string | undefined): fc.Arbitrary<string> {
    const own = collection ? (this.byCollection.get(collection) ?? []) : [];
    const all = [...this.byCollection.values()].flat();
    const known = own.length > 0 ? own : all;
    return known.length > 0
      ? fc.oneof({ arbitrary: fc.constantFrom(...known), weight: 3 }, { arbitrary: fc.uuid(), weight: 1 })
      : fc.uuid();
  }
}

/** Who sends a request: its key's headers (none: the bootstrap admin), tenant and roles. */
interface Caller {
  readonly name: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly principal: Principal;
}

/** `accountId` → `/api/v1/accounts`: the collection a body's reference names. */
const COLLECTION_OF_FIELD: Record<string, string> = {
  accountId: '/api/v1/accounts',
  contactId: '/api/v1/contacts',
  leadId: '/api/v1/leads',
  opportunityId: '/api/v1/opportunities',
  campaignId: '/api/v1/campaigns',
  complaintId: '/api/v1/complaints',
  quoteId: '/api/v1/quotes',
  activityId: '/api/v1/activities',
  listId: '/api/v1/marketing-lists',
};

function resolve(doc: Json, schema: Json | undefined): Json {
  let node = schema ?? {};
  while (typeof node['$ref'] === 'string') node = doc['components']['schemas'][(node['$ref'] as string).split('/').at(-1) as string] ?? {};
  return node;
}

const dates = fc.date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true });

/** The published pattern of an instant in a body (TimeField): the instant's, its digits in any of the three scripts. */
const BODY_INSTANT_PATTERN = inAnyDigitScript(INSTANT_PATTERN);

/** Strings for `schema`: clean ones (its example, its format, plain text within its length) or, not clean, anything. */
function stringOf(schema: Json, made: Made, field: string | undefined, clean: boolean): fc.Arbitrary<string> {
  const maxLength = Math.min(schema['maxLength'] ?? 60, 300);
  const plain = fc.string({ minLength: 1, maxLength: Math.min(maxLength, 40), unit: 'grapheme' });
  let valid: fc.Arbitrary<string> = plain;
  switch (schema['format']) {
    case 'uuid':
      // A new record's own id or a command id: mostly fresh (a reused one is a 409 or a 422, reached now and then).
      valid =
        field === 'id' || field === 'commandId'
          ? fc.oneof({ arbitrary: fc.uuid(), weight: 5 }, { arbitrary: made.idOf(undefined), weight: 1 })
          : made.idOf(field ? COLLECTION_OF_FIELD[field] : undefined);
      break;
    case 'date-time':
      valid = dates.map((date) => date.toISOString());
      break;
    case 'date':
      valid = dates.map((date) => date.toISOString().slice(0, 10));
      break;
    case 'idn-email':
      valid = fc.oneof(fc.emailAddress(), fc.constantFrom('علی@مثال.ایران', 'sara۱۳۶۷@example.ir', 'ناهید.رضایی@شرکت.ir'));
      break;
    default:
      if (field === 'commandId') {
        // A key as the header takes it: a UUID mostly, one of the ids made before now and then (a 422 or a first reply).
        valid = fc.oneof(
          { arbitrary: fc.uuid(), weight: 4 },
          { arbitrary: fc.stringMatching(new RegExp(schema['pattern'] as string, 'u')), weight: 1 },
          { arbitrary: made.idOf(undefined), weight: 1 },
        );
      } else if (schema['pattern'] === BODY_INSTANT_PATTERN) {
        // An instant in a body (its digits in any script): real instants mostly, as written by a client or in its pattern.
        valid = fc.oneof(
          { arbitrary: dates.map((date) => date.toISOString()), weight: 3 },
          fc.stringMatching(new RegExp(BODY_INSTANT_PATTERN, 'u')),
        );
      } else if (schema['pattern'] === LINE_PATTERN) {
        // One line (a name, a label): plain text without its line breaks and tabs. fast-check's strings for the pattern
        // alone would be any length and blank as often as not.
        const line = new RegExp(LINE_PATTERN, 'u');
        valid = plain.filter((text) => line.test(text));
      } else if (typeof schema['pattern'] === 'string') {
        try {
          valid = fc.stringMatching(new RegExp(schema['pattern'] as string, 'u'));
        } catch {
          // a pattern fast-check cannot invert: plain text
        }
      }
  }
  const example = typeof schema['example'] === 'string' ? [fc.constant(schema['example'] as string)] : [];
  const wellFormed = fc.oneof(...example, valid, valid);
  if (clean) return wellFormed;
  const junk = fc.oneof(
    fc.string({ maxLength, unit: 'grapheme' }),
    fc.string({ maxLength, unit: 'binary' }),
    fc.constantFrom(
      '',
      ' ',
      '۰۹۱۲۱۲۳۴۵۶۷',
      '+989121234567',
      '2025-02-30',
      '1403-12-30',
      '\u0000',
      'x'.repeat(maxLength + 1),
      'ali\nreza',
      'a\tb',
    ),
  );
  return fc.oneof({ arbitrary: wellFormed, weight: 2 }, { arbitrary: junk, weight: 1 });
}

/** Values of `schema`: clean (valid as far as the schema says) or not (now and then anything of the right type). */
function valueOf(doc: Json, raw: Json | undefined, made: Made, clean: boolean, field?: string, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(doc, raw);
  if (depth > 5) return fc.constant(null);
  if (Array.isArray(schema['enum'])) {
    const values = fc.constantFrom(...(schema['enum'] as unknown[]));
    return clean ? values : fc.oneof({ arbitrary: values, weight: 5 }, fc.string());
  }
  const variants = (schema['oneOf'] ?? schema['anyOf']) as Json[] | undefined;
  if (variants) return fc.oneof(...variants.map((variant) => valueOf(doc, variant, made, clean, field, depth + 1)));
  // The document's request schemas use allOf only to wrap one $ref (with a description or example beside it).
  if (Array.isArray(schema['allOf'])) {
    const only = valueOf(doc, schema['allOf'][0] as Json, made, clean, field, depth + 1);
    return clean && schema['example'] !== undefined ? fc.oneof(fc.constant(schema['example'] as unknown), only) : only;
  }
  let value: fc.Arbitrary<unknown>;
  switch (schema['type']) {
    case 'string':
      value = stringOf(schema, made, field, clean);
      break;
    case 'integer': {
      const within = fc.integer({ min: schema['minimum'] ?? 0, max: schema['maximum'] ?? 1_000_000 });
      value = clean ? within : fc.oneof(within, fc.integer(), fc.constant(2 ** 53));
      break;
    }
    case 'number': {
      const within = fc.double({ min: schema['minimum'] ?? 0, max: schema['maximum'] ?? 1_000_000, noNaN: true });
      value = clean ? within : fc.oneof(within, fc.double());
      break;
    }
    case 'boolean':
      value = fc.boolean();
      break;
    case 'array':
      value = fc.array(valueOf(doc, schema['items'] as Json, made, clean, field, depth + 1), {
        minLength: Math.min(schema['minItems'] ?? 0, 4),
        maxLength: Math.min(schema['maxItems'] ?? 4, 4),
      });
      break;
    default: {
      const properties = (schema['properties'] ?? {}) as Record<string, Json>;
      if (Object.keys(properties).length === 0) return fc.jsonValue({ maxDepth: 2 });
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, property] of Object.entries(properties)) model[name] = valueOf(doc, property, made, clean, name, depth + 1);
      value = fc.record(model, { requiredKeys: ((schema['required'] ?? []) as string[]).filter((name) => name in model) });
    }
  }
  return schema['nullable'] === true ? fc.oneof(value, fc.constant(null)) : value;
}

/** A body: clean, not clean, clean with one field broken (dropped, replaced by junk, an unknown one beside), or junk. */
function bodyOf(doc: Json, schema: Json | undefined, made: Made): fc.Arbitrary<unknown> {
  const clean = valueOf(doc, schema, made, true);
  const broken = fc
    .tuple(clean, fc.nat(), fc.jsonValue({ maxDepth: 1 }), fc.constantFrom('drop', 'replace', 'add'))
    .map(([body, pick, junk, how]) => {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return junk;
      const copy = { ...(body as Json) };
      const keys = Object.keys(copy);
      const key = keys.length > 0 ? (keys[pick % keys.length] as string) : 'unknown';
      if (how === 'drop') delete copy[key];
      else if (how === 'replace') copy[key] = junk;
      else copy[`x${pick % 7}`] = junk;
      return copy;
    });
  return fc.oneof(
    { arbitrary: clean, weight: 4 },
    { arbitrary: valueOf(doc, schema, made, false), weight: 2 },
    { arbitrary: broken, weight: 2 },
    { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 },
  );
}

function requestOf(doc: Json, { path, op }: Operation, made: Made): fc.Arbitrary<Request> {
  const parameters = ((op['parameters'] ?? []) as Json[]).map((parameter) => resolve(doc, parameter));
  const collection = path.split('/{')[0];
  const pathValues = parameters
    .filter((parameter) => parameter['in'] === 'path')
    .map((parameter) =>
      fc
        .oneof(
          { arbitrary: made.idOf(collection), weight: 8 },
          { arbitrary: fc.string({ minLength: 1, maxLength: 40 }), weight: 1 },
          { arbitrary: fc.string({ minLength: 1, maxLength: 20, unit: 'binary' }), weight: 1 },
        )
        .map((value) => [parameter['name'] as string, value] as const),
    );
  const queryValues = parameters
    .filter((parameter) => parameter['in'] === 'query')
    .map((parameter) =>
      fc
        .option(
          // A position of the document's shape but beyond the log is answered 503 after the 5 s wait, as documented:
          // a position the log has (1) or text of any shape instead.
          parameter['name'] === 'minPosition'
            ? fc.oneof(fc.constant('1'), fc.string({ maxLength: 30 }))
            : valueOf(doc, parameter['schema'] as Json, made, false, parameter['name'] as string),
          { freq: 2 },
        )
        .map((value) => [parameter['name'] as string, value] as const),
    );
  const body = op['requestBody']
    ? bodyOf(doc, op['requestBody']['content']?.['application/json']?.['schema'] as Json, made)
    : fc.constant(undefined);
  const header = (name: string) => op['parameters']?.some((parameter: Json) => parameter['name'] === name) === true;
  // Each header now and then (one request in five, or eight), so that most requests reach past the edge.
  const sometimes = <T>(value: fc.Arbitrary<T>, oneIn: number) =>
    fc.oneof({ arbitrary: fc.constant(null), weight: oneIn - 1 }, { arbitrary: value, weight: 1 });
  const ifMatch = sometimes(fc.constantFrom('"0"', '"1"', '*', 'W/"2"', 'junk'), 5);
  // Printable ASCII: what a header can carry. A few keys come back again and again, with other requests (422).
  const token = fc.oneof(
    { arbitrary: fc.uuid(), weight: 4 },
    { arbitrary: fc.constantFrom('retry-1', 'retry-2'), weight: 1 },
    { arbitrary: fc.stringMatching(/^[\x21-\x7e]{0,240}$/), weight: 1 },
  );
  const idempotencyKey = sometimes(token, 5);
  const onBehalfOf = sometimes(token, 8);
  return fc
    .record({ path: fc.tuple(...pathValues), query: fc.tuple(...queryValues), body, ifMatch, idempotencyKey, onBehalfOf })
    .map((drawn) => {
      let url = path;
      // A segment of dots only is resolved away by the client's URL parser (`/leads/./qualify` is `/leads/qualify`).
      for (const [name, value] of drawn.path) url = url.replace(`{${name}}`, /^\.+$/.test(value) ? `${value}x` : pathSegment(value));
      const query = new URLSearchParams();
      for (const [name, value] of drawn.query) {
        if (value === null || value === undefined) continue;
        query.append(name, typeof value === 'string' ? value : JSON.stringify(value));
      }
      const search = query.toString();
      const headers: Record<string, string> = { 'x-correlation-id': randomUUID() };
      if (drawn.ifMatch !== null && header('If-Match')) headers['if-match'] = drawn.ifMatch;
      if (drawn.idempotencyKey !== null && header('Idempotency-Key')) headers['idempotency-key'] = drawn.idempotencyKey;
      if (drawn.onBehalfOf !== null && header('X-On-Behalf-Of')) headers['x-on-behalf-of'] = drawn.onBehalfOf;
      return { path: search ? `${url}?${search}` : url, ids: drawn.path.map(([, value]) => value), body: drawn.body, headers };
    });
}

/** The value percent-encoded as a path segment; a lone surrogate, which no URL can carry, as U+FFFD. */
function pathSegment(value: string): string {
  return encodeURIComponent(value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
}

/**
 * What a run recorded holds together: every stream's hash chain (streams are per tenant), and read models that fold
 * the same live as in a rebuild from the log, once the reactions to the run's commands are recorded too.
 */
async function expectLogAndReadModelsWhole(server: TestApp): Promise<void> {
  const store = server.app.get<EventStore>(EVENT_STORE);
  expect(brokenChains(await readLog(store))).toEqual([]);
  const runner = server.app.get<ProjectionRunner>(PROJECTION_RUNNER);
  const readStore = server.app.get<ReadStore>(READ_STORE);
  for (let head = await store.headPosition(), settled = false; !settled;) {
    await runner.waitFor('all', head as string, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const now = await store.headPosition();
    settled = now === head;
    head = now;
  }
  const names = ALL_PROJECTIONS.map((projection) => projection.name);
  const serving = () => new Map(names.map((name) => [name, runner.collectionOf(name)]));
  const live = await snapshotReadModels(readStore, serving());
  await runner.rebuildMany(names);
  const rebuilt = await snapshotReadModels(readStore, serving());
  // Erasures included: their purge refolds the erased records' documents from the log, as a rebuild writes them.
  expect(diffReadModels(live, rebuilt, 10)).toEqual([]);
}

/**
 * One step of a workflow walk: a POST as the admin, its reply counted by status; a 5xx, or a refusal that appended
 * an event carrying its correlation id, is a failure.
 */
function walkStep(server: TestApp, failures: string[], statuses: Map<number, number>) {
  const store = server.app.get<EventStore>(EVENT_STORE);
  return async (path: string, body: unknown) => {
    const before = await store.headPosition();
    const correlation = randomUUID();
    const reply = await http(server.url, 'POST', path, body, { 'x-correlation-id': correlation });
    statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
    const where = `POST ${path} ${JSON.stringify(body).slice(0, 200)}`;
    if (process.env['FUZZ_VERBOSE']) process.stdout.write(`${where.slice(0, 160)} → ${reply.status} ${String(reply.body?.['code'])}\n`);
    if (reply.status >= 500) failures.push(`${where} → ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`);
    if (reply.status >= 400) {
      const appended = (await readLog(store, before)).filter((event) => event.metadata.correlationId === correlation);
      if (appended.length > 0) failures.push(`${where} → ${reply.status}, yet appended ${appended.map((event) => event.type).join(', ')}`);
    }
    return reply;
  };
}

/** Runs the steps one after the other, or two at a time (each pair sent at once). */
async function inTurn<T>(steps: readonly T[], inPairs: boolean, run: (step: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < steps.length; i += inPairs ? 2 : 1) await Promise.all(steps.slice(i, i + (inPairs ? 2 : 1)).map(run));
}

/** Valid bodies of each step of a complaint's handling (ISO 10002), to walk its state machine in any order. */
const COMPLAINT_STEPS: Record<string, Record<string, unknown>> = {
  acknowledge: { message: 'شکایت شما ثبت شد' },
  assess: { severity: 'high', urgency: 'urgent', rationale: 'مشتری بدون کالای سالم مانده است' },
  assign: { assignee: { teamId: 'team-service-tehran' } },
  'investigation-notes': { note: 'انبار ارسال کالای آسیب‌دیده را تأیید کرد' },
  escalate: { toLevel: 'head_office', reason: 'نیاز به تأیید دفتر مرکزی' },
  respond: { response: 'کالا تعویض می‌شود', remedy: 'تعویض کالا', actions: ['بازبینی بسته‌بندی'] },
  'communicate-decision': { decision: 'تعویض کالا ظرف سه روز کاری', channel: 'sms' },
  close: { outcome: 'resolved' },
  reopen: { reason: 'کالای جایگزین هم معیوب بود' },
  satisfaction: { score: 4, comment: 'پیگیری خوب بود' },
};

const QUOTE_LINES = [
  { description: 'ورق فولادی، تن', quantity: 2.5, unitPrice: { amount: 400_000_000, currency: 'IRR' }, discountPercent: 10 },
];

/** Valid bodies of a deal's commands and of its quotes' (`quote` makes one, the others act on the last one made). */
const DEAL_STEPS: Record<string, Record<string, unknown>> = {
  'propose-solution': { solution: 'تحویل ماهانه با حمل' },
  'move-stage': { stage: 'negotiation' },
  'move-stage-back': { stage: 'qualification' },
  'revise-estimate': { amount: { amount: 900_000_000, currency: 'IRR' }, probability: 60 },
  win: { amount: { amount: 950_000_000, currency: 'IRR' } },
  lose: { reason: 'قیمت رقیب پایین‌تر بود' },
  reopen: { reason: 'مشتری دوباره تماس گرفت' },
  quote: { lines: QUOTE_LINES, validUntil: '2031-01-31' },
  'quote/issue': {},
  'quote/accept': {},
  'quote/reject': { reason: 'گران است' },
  'quote/revise': { lines: QUOTE_LINES, validUntil: '2031-02-28' },
};

/** Valid bodies of a lead's commands; the phones are few, so updates and captures meet each other's keys. */
const LEAD_STEPS = (phone: string): Record<string, Record<string, unknown>> => ({
  update: { phone, company: 'شرکت نمونه' },
  'update-duplicate': { phone, allowDuplicate: true },
  assign: { ownerId: 'user-7' },
  qualify: {
    opportunity: { name: 'ورق فولادی', estimatedValue: { amount: 5_000_000, currency: 'IRR' }, expectedCloseDate: '2031-01-31' },
  },
  disqualify: { reason: 'unreachable' },
});

/** Valid bodies of a campaign's commands (a variant after `~`); responses name the walk's lead or account, costs come in either currency. */
const CAMPAIGN_STEPS = (listId: string, leadId: string, accountId: string): Record<string, Record<string, unknown>> => ({
  'target-lists': { listIds: [listId] },
  start: {},
  costs: { amount: { amount: 150_000_000, currency: 'IRR' }, description: 'ارسال ۵۰ هزار پیامک' },
  'costs~late': { amount: { amount: 20_000_000 }, incurredAt: '2026-04-10T09:00:00+03:30' },
  'costs~other-currency': { amount: { amount: 1_000, currency: 'USD' } },
  'responses~lead': {
    targetId: { type: 'lead', id: leadId },
    responseType: 'interested',
    channel: 'sms',
    respondedAt: '2026-03-17T11:20:00+03:30',
  },
  'responses~account': { targetId: { type: 'account', id: accountId }, responseType: 'purchased' },
  complete: {},
  cancel: { reason: 'تعویق به بعد از تعطیلات نوروز' },
});

/** Valid bodies of a static list's commands: members the walk made (a lead, an account) and one nobody knows. */
const LIST_STEPS = (memberId: string, unknown: string): Record<string, Record<string, unknown>> => ({
  members: { memberIds: [memberId] },
  'members~unknown': { memberIds: [memberId, unknown] },
  'members/remove': { memberIds: [memberId] },
});

/** Valid bodies of a recurring activity's commands; `occurrence` (0–4 of four) is the walk's, so some name none. */
const ACTIVITY_STEPS = (occurrence: number): Record<string, Record<string, unknown>> => ({
  reschedule: { occurrence, dueAt: '2025-03-11T11:00:00+03:30', reason: 'مشتری در سفر است' },
  'reschedule~next': { dueAt: '2025-03-12T09:30:00+03:30' },
  reassign: { assignee: { teamId: 'team-sales' } },
  'reassign~user': { assignee: { userId: 'user-9' } },
  complete: { occurrence, outcome: 'مشتری پیش‌فاکتور را تأیید کرد' },
  'complete~next': { outcome: 'تماس انجام شد' },
  'cancel~one': { occurrence, reason: 'تعطیل رسمی' },
  cancel: { reason: 'قرارداد امضا شد؛ پیگیری لازم نیست' },
});

const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

describe.each(['sqlite', 'postgres'] as const)('the API under a fuzzer driven by its own OpenAPI document (real server, %s)', (kind) => {
  const schema = `fuzz_e2e_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  let server: TestApp;
  let doc: Json;
  let callers: Caller[];

  beforeAll(async () => {
    // Past the rate limit every request would be a 429: the run is about the routes behind it.
    const store =
      kind === 'postgres' ? { CRM_EVENT_STORE: 'postgres', DATABASE_URL, CRM_POSTGRES_SCHEMA: schema } : { CRM_EVENT_STORE: 'sqlite' };
    server = await startTestApp({ ...store, CRM_RATE_LIMIT_MAX: '1000000' });
    doc = (await (await fetch(`${server.url}/api/docs-json`)).json()) as Json;
    const staff = ['sales', 'marketing', 'service', 'analyst', 'auditor', 'ops'];
    const other = await issueKey(server, { name: 'fuzz other tenant', roles: staff, tenantId: 'fuzz-other' });
    const analyst = await issueKey(server, { name: 'fuzz analyst', roles: ['analyst'] });
    callers = [
      { name: 'admin', headers: {}, principal: { id: 'bootstrap', kind: 'api-key', roles: ['admin'], tenantId: 'default' } },
      {
        name: 'staff of another tenant',
        headers: other.headers,
        principal: { id: other.id, kind: 'api-key', roles: staff, tenantId: 'fuzz-other' },
      },
      {
        name: 'analyst',
        headers: analyst.headers,
        principal: { id: analyst.id, kind: 'api-key', roles: ['analyst'], tenantId: 'default' },
      },
    ];
    process.stdout.write(`contract fuzz (${kind}): FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}\n`);
  });
  afterAll(async () => {
    await server?.close();
    if (kind !== 'postgres') return;
    const admin = new Pool({ connectionString: DATABASE_URL, max: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('answers as the document says, never 5xx; refusals append nothing; roles and tenants hold; then chains verify and read models equal a rebuild', async () => {
    const store = server.app.get<EventStore>(EVENT_STORE);
    const made = new Made();
    const operations: Operation[] = Object.entries(doc['paths'] as Json).flatMap(([path, item]) =>
      Object.entries(item as Json).map(([method, op]) => ({ method: method.toUpperCase(), path, op: op as Json })),
    );
    // Creates first, so that the commands on records and the views find some.
    const creates = operations.filter((operation) => operation.method === 'POST' && !operation.path.includes('{'));
    const passes = [creates, operations, operations];
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let seed = SEED;
    let sent = 0;
    for (const pass of passes) {
      for (const operation of pass) {
        const rule = accessRuleFor(operation.method, operation.path.replace(/\{([^}]+)\}/g, ':$1'));
        const requests = fc.sample(requestOf(doc, operation, made), { numRuns: RUNS, seed: (seed += 1) });
        for (const request of requests) {
          // Mostly the admin; now and then a caller of another tenant, or one whose role admits few routes.
          const turn = (sent += 1) % 10;
          const caller = callers[turn < 6 ? 0 : turn < 9 ? 1 : 2] as Caller;
          const before = await store.headPosition();
          const where = `${caller.name}: ${operation.method} ${request.path} ${JSON.stringify(request.body)?.slice(0, 300)}`;
          let reply;
          try {
            reply = await http(server.url, operation.method, request.path, request.body, { ...request.headers, ...caller.headers });
          } catch (error) {
            failures.push(`${where}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
            continue;
          }
          const code = (reply.body as Json | undefined)?.['code'];
          statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
          if (process.env['FUZZ_VERBOSE']) process.stdout.write(`${where.slice(0, 160)} → ${reply.status} ${String(code)}\n`);
          if (reply.status >= 500) failures.push(`${where} → ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`);
          if (!mayCall(caller.principal, rule) && reply.status !== 403 && code !== 'REQUEST.BAD_URL') {
            failures.push(`${where} → ${reply.status}: its roles may not call this route (403 expected)`);
          }
          const foreign = request.ids.filter((id) => made.tenantsOf(id).size > 0 && !made.tenantsOf(id).has(caller.principal.tenantId));
          // A campaign's performance answers for any id its own leads or deals name: from the caller's records only, never
          // another tenant's plan. Everywhere else another tenant's record is as if it did not exist.
          const ownFiguresOnly = operation.path.endsWith('/performance') && (reply.body as Json | undefined)?.['campaign'] === null;
          if (reply.status < 300 && foreign.length > 0 && !ownFiguresOnly) {
            failures.push(`${where} → ${reply.status}: reached ${foreign.join(', ')} of another tenant`);
          }
          if (operation.method === 'POST' && reply.status >= 400) {
            const correlation = request.headers['x-correlation-id'];
            const appended = (await readLog(store, before)).filter((event) => event.metadata.correlationId === correlation);
            if (appended.length > 0)
              failures.push(`${where} → ${reply.status}, yet appended ${appended.map((event) => event.type).join(', ')}`);
          }
          const id = (reply.body as Json | undefined)?.['id'];
          if (operation.method === 'POST' && reply.status === 201 && typeof id === 'string') {
            made.add(caller.principal.tenantId, operation.path.split('/{')[0] as string, id);
          }
        }
      }
    }
    process.stdout.write(
      `contract fuzz (${kind}): ${sent} requests, replies by status ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}\n`,
    );
    expect(failures).toEqual([]);

    await expectLogAndReadModelsWhole(server);

    // Reached past the edge: records were made and commands on them accepted, not only 400s; and refusals by role.
    expect(statuses.get(201) ?? 0).toBeGreaterThan(20);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(20);
    expect(statuses.get(403) ?? 0).toBeGreaterThan(20);
  }, 300_000);

  it('walks complaints, leads and deals through their commands in random orders, some two at a time: each step applied or refused whole, never 5xx', async () => {
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const phones = ['09121110001', '09121110002', '09121110003'];
    const send = walkStep(server, failures, statuses);
    const walks = fc.sample(
      fc.record({
        complaint: fc.array(fc.constantFrom(...Object.keys(COMPLAINT_STEPS)), { minLength: 4, maxLength: 16 }),
        lead: fc.array(fc.constantFrom(...Object.keys(LEAD_STEPS(''))), { minLength: 2, maxLength: 6 }),
        deal: fc.array(fc.constantFrom(...Object.keys(DEAL_STEPS)), { minLength: 3, maxLength: 12 }),
        phone: fc.constantFrom(...phones),
        nextPhone: fc.constantFrom(...phones),
        // A record's steps one after the other, or two at a time (two commands racing for its stream, and for the
        // phones' key claims).
        inPairs: fc.boolean(),
      }),
      { numRuns: RUNS * 2, seed: SEED },
    );
    for (const walk of walks) {
      const complaint = await send('/api/v1/complaints', {
        complainant: { name: 'رضا کریمی', phone: '۰۹۱۲ ۳۴۵ ۶۷۸۹' },
        channel: 'phone',
        category: 'کیفیت کالا',
        description: 'کالای تحویلی معیوب بود',
      });
      await inTurn(walk.complaint, walk.inPairs, (step) =>
        send(`/api/v1/complaints/${String(complaint.body['id'])}/${step}`, COMPLAINT_STEPS[step]),
      );
      const lead = await send('/api/v1/leads', { fullName: 'نرگس کاظمی', source: 'web', phone: walk.phone, allowDuplicate: true });
      await inTurn(walk.lead, walk.inPairs, (step) =>
        send(`/api/v1/leads/${String(lead.body['id'])}/${step.replace('-duplicate', '')}`, LEAD_STEPS(walk.nextPhone)[step]),
      );
      // A deal from a lead qualified for it, then its steps and quotes in any order.
      const dealLead = await send('/api/v1/leads', { fullName: 'سارا محمدی', source: 'referral', phone: walk.phone, allowDuplicate: true });
      const qualified = await send(`/api/v1/leads/${String(dealLead.body['id'])}/qualify`, LEAD_STEPS(walk.phone)['qualify']);
      const opportunityId = String(qualified.body['opportunityId']);
      let quoteId: string = randomUUID();
      // In pairs, a quote's command may go beside the quote's making: it names the quote made before (or none).
      await inTurn(walk.deal, walk.inPairs, async (step) => {
        const body = DEAL_STEPS[step];
        if (step === 'quote') {
          const made = await send('/api/v1/quotes', { opportunityId, ...body });
          if (made.status === 201) quoteId = String(made.body['id']);
        } else if (step.startsWith('quote/')) await send(`/api/v1/quotes/${quoteId}/${step.slice('quote/'.length)}`, body);
        else await send(`/api/v1/opportunities/${opportunityId}/${step.replace('-back', '')}`, body);
      });
    }
    process.stdout.write(
      `contract fuzz (${kind}): workflow walks, replies by status ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}\n`,
    );
    expect(failures).toEqual([]);
    // Both applied steps and refused ones (a step out of order, a duplicate phone) were reached.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(RUNS * 4);
    expect(statuses.get(409) ?? 0).toBeGreaterThan(RUNS);
    await expectLogAndReadModelsWhole(server);
  }, 300_000);

  it('walks campaigns, marketing lists and activities through their commands in random orders, some two at a time: each step applied or refused whole, never 5xx', async () => {
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const send = walkStep(server, failures, statuses);
    const step = (keys: readonly string[]) => fc.tuple(fc.constantFrom(...keys), fc.integer({ min: 0, max: 4 }));
    const walks = fc.sample(
      fc.record({
        campaign: fc.array(fc.constantFrom(...Object.keys(CAMPAIGN_STEPS('', '', ''))), { minLength: 3, maxLength: 10 }),
        list: fc.array(fc.constantFrom(...Object.keys(LIST_STEPS('', ''))), { minLength: 1, maxLength: 5 }),
        leadList: fc.boolean(),
        activity: fc.array(step(Object.keys(ACTIVITY_STEPS(0))), { minLength: 2, maxLength: 10 }),
        // Steps on one record one after the other, or two at a time: two commands racing for the same stream.
        inPairs: fc.boolean(),
      }),
      { numRuns: RUNS, seed: SEED + 1 },
    );
    for (const walk of walks) {
      const account = await send('/api/v1/accounts', { name: 'شرکت فولاد مبارکه', industry: 'فولاد' });
      const accountId = String(account.body['id']);
      const lead = await send('/api/v1/leads', { fullName: 'نرگس کاظمی', source: 'event', phone: '09121110009', allowDuplicate: true });
      const leadId = String(lead.body['id']);
      const contact = await send('/api/v1/contacts', { fullName: 'مریم احمدی', accountId });
      // A static list of leads or of accounts, filled and emptied in any order.
      const memberType = walk.leadList ? 'lead' : 'account';
      const list = await send('/api/v1/marketing-lists', { name: 'مشتریان صنعت فولاد', memberType, kind: 'static' });
      const listId = String(list.body['id']);
      for (const name of walk.list) {
        const body = LIST_STEPS(walk.leadList ? leadId : accountId, randomUUID())[name];
        await send(`/api/v1/marketing-lists/${listId}/${name.replace(/~.*$/, '')}`, body);
      }
      // A campaign aimed at it, started, paid for, answered, completed or cancelled, in any order.
      const campaign = await send('/api/v1/campaigns', {
        name: 'کمپین نوروز ۱۴۰۵',
        goal: 'lead_generation',
        channel: 'sms',
        startDate: '2026-03-15',
        endDate: '2026-04-05',
        budget: { amount: 5_000_000_000 },
      });
      const campaignId = String(campaign.body['id']);
      await inTurn(walk.campaign, walk.inPairs, (name) =>
        send(`/api/v1/campaigns/${campaignId}/${name.replace(/~.*$/, '')}`, CAMPAIGN_STEPS(listId, leadId, accountId)[name]),
      );
      // A weekly call of four occurrences about the account, then an interaction with its contact.
      const activity = await send('/api/v1/activities', { ...weeklyFollowUp(accountId), regarding: { type: 'account', id: accountId } });
      await inTurn(walk.activity, walk.inPairs, ([name, occurrence]) =>
        send(`/api/v1/activities/${String(activity.body['id'])}/${name.replace(/~.*$/, '')}`, ACTIVITY_STEPS(occurrence)[name]),
      );
      await send('/api/v1/interactions', phoneCall(String(contact.body['id'])));
    }
    process.stdout.write(
      `contract fuzz (${kind}): marketing and activity walks, replies by status ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}\n`,
    );
    expect(failures).toEqual([]);
    // Both applied steps and refused ones (a step out of order, an occurrence that is not open) were reached.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(RUNS * 4);
    expect(statuses.get(409) ?? 0).toBeGreaterThan(RUNS);
    await expectLogAndReadModelsWhole(server);
  }, 300_000);
});
