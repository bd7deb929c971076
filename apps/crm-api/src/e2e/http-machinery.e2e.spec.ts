import { Body, Controller, Module, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { DomainError, streamIdOf, type Decider } from '@crm/shared/event-sourcing';
import { refusals } from '@crm/shared/kernel';
import { ApiCommand, CommandExecutor, CommandRequestDto, commandReply, Ctx, idFor, type CommandContext } from '@crm/shared/http';
import { BOOTSTRAP_KEY_ID } from '@crm/identity/application';
import { http, startTestApp, type TestApp } from '../testing/test-app';

// A throwaway context that exercises the shared HTTP machinery the real contexts use.
const TALLY_REFUSALS = refusals('TALLY', { NOT_OPEN: [409, 'no tally'], OVER_LIMIT: [409, 'a tally stops at 100'] });
type Tally = { status: 'none' } | { status: 'open'; total: number };
type TallyCommand = { type: 'OpenTally'; data: { label: string } } | { type: 'AddToTally'; data: { by: number } };
type TallyEvent = { type: 'TallyOpened'; data: { label: string } } | { type: 'TallyAdded'; data: { by: number } };
const tally: Decider<Tally, TallyCommand, TallyEvent> = {
  initialState: () => ({ status: 'none' }),
  decide: (command, state) => {
    if (command.type === 'OpenTally') return [{ type: 'TallyOpened', data: command.data }];
    if (state.status !== 'open') throw new DomainError(TALLY_REFUSALS.NOT_OPEN, 'no tally');
    if (state.total + command.data.by > 100) throw new DomainError(TALLY_REFUSALS.OVER_LIMIT, 'a tally stops at 100');
    return [{ type: 'TallyAdded', data: command.data }];
  },
  evolve: (state, event) =>
    event.type === 'TallyOpened'
      ? { status: 'open', total: 0 }
      : state.status === 'open'
        ? { ...state, total: state.total + event.data.by }
        : state,
  isNew: (command) => command.type === 'OpenTally',
};

class TagDto {
  @IsString() @MaxLength(10) name!: string;
}
class OpenTallyDto extends CommandRequestDto {
  @IsString() @MaxLength(50) label!: string;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => TagDto) tags?: TagDto[];
}
class AddDto extends CommandRequestDto {
  @IsInt() @Min(1) @Max(50) by!: number;
}

@Controller('tallies')
class TallyController {
  constructor(private readonly executor: CommandExecutor) {}

  @Post()
  @ApiCommand({ summary: 'open', creates: true })
  async open(@Body() body: OpenTallyDto, @Ctx() ctx: CommandContext) {
    const id = idFor(ctx, 'tally');
    return commandReply(
      id,
      await this.executor.execute(tally, streamIdOf('tally', id), { type: 'OpenTally', data: { label: body.label } }, ctx),
    );
  }

  @Post(':id/add')
  @ApiCommand({ summary: 'add', decides: [{ refusals: TALLY_REFUSALS }] })
  async add(@Param('id', ParseUUIDPipe) id: string, @Body() body: AddDto, @Ctx() ctx: CommandContext) {
    return commandReply(
      id,
      await this.executor.execute(tally, streamIdOf('tally', id), { type: 'AddToTally', data: { by: body.by } }, ctx),
    );
  }
}

@Module({ controllers: [TallyController] })
class TallyModule {}

describe('shared HTTP machinery (real server, embedded SQLite)', () => {
  let server: TestApp;
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    http(server.url, method, path, body, headers);
  const eventsOf = async (id: string) => {
    const reply = await call('GET', `/api/v1/streams/tally-${id}`);
    return reply.status === 404 ? [] : (reply.body['events'] as unknown[]);
  };

  beforeAll(async () => {
    server = await startTestApp(
      { CRM_BODY_LIMIT_BYTES: '4096', CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' },
      { contexts: [TallyModule] },
    );
  });
  afterAll(async () => server.close());

  it('creates with 201 { id, revision, position } and serves the stream in order with its integrity', async () => {
    // A claimed actor is ignored: the event carries the authenticated caller, and the person it acted for beside it.
    const created = await call(
      'POST',
      '/api/v1/tallies',
      { label: 'فروش پاییز' },
      { 'x-actor': 'user-7', 'x-actor-roles': 'sales,manager', 'x-on-behalf-of': 'user-7' },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ revision: 0, position: expect.any(String) });
    const id = created.body['id'] as string;
    expect((await call('POST', `/api/v1/tallies/${id}/add`, { by: 5 })).body).toMatchObject({ id, revision: 1 });
    const stream = await call('GET', `/api/v1/streams/tally-${id}`);
    expect(stream.status).toBe(200);
    expect(stream.body['integrity']).toMatchObject({ ok: true, checked: 2 });
    const events = stream.body['events'] as { type: string; revision: number; data: unknown; metadata: Record<string, unknown> }[];
    expect(events.map((e) => [e.type, e.revision])).toEqual([
      ['TallyOpened', 0],
      ['TallyAdded', 1],
    ]);
    expect(events[0]?.data).toEqual({ label: 'فروش پاییز' });
    expect(events[0]?.metadata).toMatchObject({
      actor: { id: BOOTSTRAP_KEY_ID, roles: ['admin'], onBehalfOf: 'user-7' },
      tenantId: 'default',
      schemaVersion: 1,
    });
  });

  const head = async () => ((await call('GET', '/health')).body['eventStore'] as { headPosition: string | null }).headPosition;

  it('answers 400 problem+json naming every bad field, and appends nothing', async () => {
    const before = await head();
    const reply = await call('POST', '/api/v1/tallies', { label: 'x'.repeat(51), tags: [{ name: 'ok' }, { name: 42 }], colour: 'red' });
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reply.body).toMatchObject({ status: 400, code: 'VALIDATION.FAILED', title: expect.any(String), detail: expect.any(String) });
    expect((reply.body['errors'] as { field: string }[]).map((e) => e.field).sort()).toEqual(['colour', 'label', 'tags.1.name']);
    expect(await head()).toBe(before);
  });

  it('answers 400 for malformed JSON and a bad If-Match, 404 for an unknown aggregate, 413 for a body too large', async () => {
    expect((await call('POST', '/api/v1/tallies', '{"label": ')).body).toMatchObject({ status: 400 });
    const unknown = await call('POST', '/api/v1/tallies/0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d/add', { by: 1 });
    expect(unknown.body).toMatchObject({ status: 404, code: 'STREAM.NOT_FOUND' });
    const big = await call('POST', '/api/v1/tallies', { label: 'big', padding: 'x'.repeat(5000) });
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const created = await call('POST', '/api/v1/tallies', { label: 'if-match' });
    const badIfMatch = await call('POST', `/api/v1/tallies/${created.body['id'] as string}/add`, { by: 1 }, { 'if-match': 'banana' });
    expect(badIfMatch.body).toMatchObject({ status: 400, errors: [{ field: 'header.If-Match' }] });
  });

  it('refuses a business rule with 409 and its code, appending nothing', async () => {
    const { body } = await call('POST', '/api/v1/tallies', { label: 'limit' });
    const id = body['id'] as string;
    await call('POST', `/api/v1/tallies/${id}/add`, { by: 50 });
    await call('POST', `/api/v1/tallies/${id}/add`, { by: 50 });
    const refused = await call('POST', `/api/v1/tallies/${id}/add`, { by: 1 });
    expect(refused.body).toMatchObject({ status: 409, code: 'TALLY.OVER_LIMIT' });
    expect(await eventsOf(id)).toHaveLength(3);
  });

  it('returns the first reply for a repeated Idempotency-Key (or body commandId) and appends nothing', async () => {
    const first = await call('POST', '/api/v1/tallies', { label: 'once' }, { 'idempotency-key': 'form-submit-42' });
    const again = await call('POST', '/api/v1/tallies', { label: 'once' }, { 'idempotency-key': 'form-submit-42' });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const id = first.body['id'] as string;
    const commandId = '3f1d2c4b-5a69-4788-9a0b-1c2d3e4f5a6b';
    const add = await call('POST', `/api/v1/tallies/${id}/add`, { by: 2, commandId });
    const addAgain = await call('POST', `/api/v1/tallies/${id}/add`, { by: 2, commandId });
    expect(addAgain.body).toEqual(add.body);
    expect(await eventsOf(id)).toHaveLength(2);
    // The body's commandId takes what the header takes, and names the same command (an outside probe: `order-42` was
    // 400 in the body, taken in the header).
    const byBody = await call('POST', `/api/v1/tallies/${id}/add`, { by: 3, commandId: 'order-42' });
    expect(byBody.status).toBe(200);
    expect((await call('POST', `/api/v1/tallies/${id}/add`, { by: 3 }, { 'idempotency-key': 'order-42' })).body).toEqual(byBody.body);
    expect((await call('POST', `/api/v1/tallies/${id}/add`, { by: 4, commandId: 'order-42' })).body).toMatchObject({
      status: 422,
      code: 'IDEMPOTENCY.KEY_REUSED',
    });
    expect(await eventsOf(id)).toHaveLength(3);
    expect((await call('POST', `/api/v1/tallies/${id}/add`, { by: 3, commandId: 'سفارش-۴۲' })).body).toMatchObject({
      status: 400,
      errors: [{ field: 'commandId' }],
    });
  });

  it('answers 412 for a stale If-Match and accepts the current one', async () => {
    const { body } = await call('POST', '/api/v1/tallies', { label: 'occ' });
    const id = body['id'] as string;
    await call('POST', `/api/v1/tallies/${id}/add`, { by: 1 }, { 'if-match': '"0"' });
    const stale = await call('POST', `/api/v1/tallies/${id}/add`, { by: 1 }, { 'if-match': '"0"' });
    expect(stale.body).toMatchObject({ status: 412, code: 'CONCURRENCY.REVISION_MISMATCH', actualRevision: 1 });
    expect((await call('POST', `/api/v1/tallies/${id}/add`, { by: 1 }, { 'if-match': '"1"' })).body).toMatchObject({ revision: 2 });
    expect(await eventsOf(id)).toHaveLength(3);
  });

  it('lets concurrent commands on one aggregate all land by retrying (no If-Match)', async () => {
    const { body } = await call('POST', '/api/v1/tallies', { label: 'busy' });
    const id = body['id'] as string;
    const replies = await Promise.all(Array.from({ length: 10 }, () => call('POST', `/api/v1/tallies/${id}/add`, { by: 1 })));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(await eventsOf(id)).toHaveLength(11);
  });

  it('exposes Prometheus metrics: requests per route and status, projection state', async () => {
    await call('POST', '/api/v1/tallies', { label: 'metrics' });
    const response = await call('GET', '/metrics');
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = response.body as unknown as string;
    expect(text).toMatch(/^crm_http_request_duration_seconds_count\{[^}]*method="POST",route="\/api\/v1\/tallies",status="201"\} \d+$/m);
    expect(text).toMatch(/^crm_projection_caught_up\{projection="pipeline-leads",[^}]*\} [01]$/m);
    expect(text).toMatch(/^crm_store_up\{store="events",[^}]*\} 1$/m);
  });

  it('publishes OpenAPI and answers health', async () => {
    const docs = await call('GET', '/api/docs-json');
    expect(Object.keys(docs.body['paths'] as object)).toEqual(
      expect.arrayContaining(['/api/v1/tallies', '/api/v1/streams/{streamId}', '/health', '/health/live', '/health/ready', '/metrics']),
    );
    expect((await call('GET', '/health')).body).toMatchObject({ status: 'ok', eventStore: { kind: server.config.eventStore } });
  });
});
