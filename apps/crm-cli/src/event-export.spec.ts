import { demoHistory } from '@crm/demo-data';
import { InMemoryEventStore, NO_OP_RECORDED, noOpRecordStream, streamCategory } from '@crm/shared/event-sourcing';
import { anEvent } from '@crm/shared/testing';
import { UsageError } from './args';
import { checkExportFilter, EVENT_TYPES, exportEvents, type ExportFilter, STREAM_CATEGORIES } from './event-export';
import { parseInstant } from './instants';

const at = (occurredAt: string) => ({ occurredAt });
// A trailing UUID is how a category with a dash of its own is told from the id.
const SURVEY = 'survey-response-0b6f3c52-2f0e-4d55-9d8e-6a1f3b7c9e21';

async function history(): Promise<InMemoryEventStore> {
  const store = new InMemoryEventStore();
  // The last instant of 28 February in Tehran: dates on the command line are business days.
  await store.appendToStream(SURVEY, [anEvent('SurveyResponseRecorded', { score: 9 }, at('2025-02-28T20:29:59.999Z'))]);
  await store.appendToStream('lead-1', [anEvent('LeadCaptured', { fullName: 'مریم احمدی' }, at('2025-03-01T00:00:00.000Z'))]);
  await store.appendToStream('complaint-1', [anEvent('ComplaintReceived', {}, at('2025-03-02T08:00:00.000Z'))]);
  await store.appendToStream('lead-1', [anEvent('LeadQualified', {}, at('2025-03-03T09:30:00+03:30'))]);
  await store.appendToStream('complaint-1', [anEvent('ComplaintClosed', {}, at('2025-03-05T12:00:00.000Z'))]);
  return store;
}

const NONE: ExportFilter = { types: [], categories: [] };

async function run(filter: Partial<ExportFilter>, pageSize?: number) {
  const store = await history();
  const writes: string[] = [];
  const result = await exportEvents(store, { ...NONE, ...filter }, async (text) => void writes.push(text), undefined, pageSize);
  const lines = writes.join('').split('\n').filter(Boolean);
  return { result, writes, lines, envelopes: lines.map((line) => JSON.parse(line) as Record<string, unknown>), store };
}

const typesOf = (envelopes: Record<string, unknown>[]) => envelopes.map((e) => e['type']);

describe('exportEvents (NDJSON)', () => {
  it('writes one complete envelope per line, in $all order', async () => {
    const { lines, envelopes, result } = await run({});
    expect(result).toEqual({ exported: 5, head: '5' });
    expect(lines).toHaveLength(5);
    expect(envelopes.map((e) => e['position'])).toEqual(['1', '2', '3', '4', '5']);
    expect(Object.keys(envelopes[1] as object)).toEqual(['streamId', 'type', 'data', 'revision', 'position', 'metadata']);
    expect(envelopes[1]).toMatchObject({
      streamId: 'lead-1',
      type: 'LeadCaptured',
      revision: 0,
      data: { fullName: 'مریم احمدی' },
      metadata: { occurredAt: '2025-03-01T00:00:00.000Z', tenantId: 'default', hash: expect.any(String) },
    });
  });

  it('keeps events of any of the types given', async () => {
    expect(typesOf((await run({ types: ['LeadQualified', 'ComplaintClosed'] })).envelopes)).toEqual(['LeadQualified', 'ComplaintClosed']);
  });

  it('keeps streams of any of the categories given, including dashed ones', async () => {
    expect(typesOf((await run({ categories: ['complaint'] })).envelopes)).toEqual(['ComplaintReceived', 'ComplaintClosed']);
    expect(typesOf((await run({ categories: ['survey-response', 'lead'] })).envelopes)).toEqual([
      'SurveyResponseRecorded',
      'LeadCaptured',
      'LeadQualified',
    ]);
  });

  it('takes --from inclusive and --to exclusive, comparing instants whatever the offset', async () => {
    const from = parseInstant('2025-03-01', 'start', '--from');
    const to = parseInstant('2025-03-03T06:00:00Z', 'start', '--to');
    // 09:30+03:30 is 06:00Z: exactly at --to, so left out.
    expect(typesOf((await run({ from, to })).envelopes)).toEqual(['LeadCaptured', 'ComplaintReceived']);
    expect(typesOf((await run({ to: parseInstant('2025-03-02', 'end', '--to') })).envelopes)).toEqual([
      'SurveyResponseRecorded',
      'LeadCaptured',
      'ComplaintReceived',
    ]);
  });

  it('combines filters with AND', async () => {
    const { envelopes } = await run({
      categories: ['lead', 'complaint'],
      types: ['LeadQualified', 'ComplaintReceived', 'SurveyResponseRecorded'],
      from: parseInstant('2025-03-03', 'start', '--from'),
    });
    expect(typesOf(envelopes)).toEqual(['LeadQualified']);
  });

  it('writes page by page, so memory stays one page however long the log', async () => {
    const { writes, lines } = await run({}, 2);
    expect(writes.map((text) => text.split('\n').filter(Boolean).length)).toEqual([2, 2, 1]);
    expect(lines).toHaveLength(5);
  });

  it('stops at the head it started from: events appended meanwhile wait for the next export', async () => {
    const store = await history();
    const lines: string[] = [];
    const result = await exportEvents(
      store,
      NONE,
      async (text) => {
        lines.push(...text.split('\n').filter(Boolean));
        await store.appendToStream('lead-2', [anEvent('LeadCaptured')]);
      },
      undefined,
      2,
    );
    expect(result).toEqual({ exported: 5, head: '5' });
    expect(lines).toHaveLength(5);
  });

  it('exports nothing from an empty store', async () => {
    const writes: string[] = [];
    expect(await exportEvents(new InMemoryEventStore(), NONE, async (text) => void writes.push(text))).toEqual({
      exported: 0,
      head: undefined,
    });
    expect(writes).toEqual([]);
  });
});

describe('the types and categories export takes', () => {
  const refusal = (filter: Partial<ExportFilter>) => {
    try {
      checkExportFilter({ ...NONE, ...filter });
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      return (error as Error).message;
    }
    throw new Error('expected a usage error');
  };

  it('takes every type and category the code writes, as the demo history writes them', () => {
    const types = new Set<string>();
    const categories = new Set<string>();
    for (const append of demoHistory({ events: 3000, seed: 3 })) {
      categories.add(streamCategory(append.streamId));
      for (const event of append.events) types.add(event.type);
    }
    expect(types.size).toBeGreaterThan(20);
    expect([...types].filter((type) => !EVENT_TYPES.includes(type))).toEqual([]);
    expect([...categories].filter((category) => !STREAM_CATEGORIES.includes(category))).toEqual([]);
    expect(STREAM_CATEGORIES).toEqual(expect.arrayContaining(['lead', 'survey-response', 'marketing-list', 'api-key', 'data-subject']));
    expect(() => checkExportFilter({ types: [...types], categories: [...categories] })).not.toThrow();
  });

  it("takes sales' lead-key claims, whose category is named apart from @crm/sales/application (loaded lazily)", async () => {
    const { LEAD_KEY_CATEGORY, leadKeyStream } = await import('@crm/sales/application');
    expect(STREAM_CATEGORIES).toContain(LEAD_KEY_CATEGORY);
    expect(STREAM_CATEGORIES).toContain(streamCategory(leadKeyStream('default', 'email:x')));
    expect(EVENT_TYPES).toEqual(expect.arrayContaining(['LeadKeyClaimed', 'LeadKeyReleased']));
  });

  it("takes accounts' claims on national ids, named apart from @crm/sales/application as the lead-key claims are", async () => {
    const { NATIONAL_ID_CATEGORY, nationalIdStream } = await import('@crm/sales/application');
    expect(STREAM_CATEGORIES).toContain(NATIONAL_ID_CATEGORY);
    expect(STREAM_CATEGORIES).toContain(streamCategory(nationalIdStream('0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d')));
    expect(EVENT_TYPES).toContain('AccountNationalIdClaimed');
  });

  it('takes the records of commands that changed nothing (idempotency), written by the shared command path', () => {
    expect(STREAM_CATEGORIES).toContain(streamCategory(noOpRecordStream('0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d')));
    expect(EVENT_TYPES).toContain(NO_OP_RECORDED);
  });

  it('refuses a category or type no code writes (a typo would export nothing without a word), listing the known ones', () => {
    expect(refusal({ categories: ['campaigns', 'lead', 'campaigns'] })).toBe(
      `unknown --category campaigns; categories: ${STREAM_CATEGORIES.join(', ')}`,
    );
    expect(refusal({ categories: ['campaign'], types: ['Bogus', 'leadCaptured'] })).toMatch(
      /^unknown --type Bogus, leadCaptured; event types: .*\bLeadCaptured, /,
    );
  });
});
