import { isUuid, uuidV5 } from '@crm/shared/kernel';
import Fastify from 'fastify';
import { commandContextFrom, commandIdIsNew, commandIdOfKey, keyCommandIds } from './command-context';
import type { Principal } from './principal';
import { RequestValidationError } from './problem-details';

const sales: Principal = { id: '4b1e6c0a-7d2f-4c3b-9a8e-1f0d2c3b4a59', kind: 'api-key', roles: ['sales'], tenantId: 'acme' };

describe('commandContextFrom', () => {
  it('takes actor and tenant from the principal and ignores the actor a client claims', () => {
    const context = commandContextFrom({ 'x-actor': 'ceo', 'x-actor-roles': 'admin,auditor' }, {}, sales);
    expect(context.actor).toEqual({ id: sales.id, roles: ['sales'] });
    expect(context.tenantId).toBe('acme');
    expect(isUuid(context.commandId)).toBe(true);
  });

  it('records X-On-Behalf-Of beside the principal, and refuses one that is not a plain ASCII id', () => {
    expect(commandContextFrom({ 'x-on-behalf-of': 'user:maryam.7@crm' }, {}, sales).actor).toEqual({
      id: sales.id,
      roles: ['sales'],
      onBehalfOf: 'user:maryam.7@crm',
    });
    // Past ASCII a header's bytes are read as Latin-1: a UTF-8 'ê' arrives as 'Ãª', which is no id the client sent.
    for (const value of ['a b<script>', 'user:مریم', 'Ãª', 'José']) {
      const error = (() => {
        try {
          return commandContextFrom({ 'x-on-behalf-of': value, 'idempotency-key': value }, {}, sales);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(RequestValidationError);
      expect((error as RequestValidationError).errors.map((e) => e.field)).toEqual(['header.Idempotency-Key', 'header.X-On-Behalf-Of']);
    }
  });

  it("scopes an Idempotency-Key to the caller's tenant: the same word in two tenants names two commands", () => {
    const headers = { 'idempotency-key': 'order-42' };
    const acme = commandContextFrom(headers, {}, sales);
    expect(commandContextFrom(headers, {}, sales).commandId).toBe(acme.commandId);
    expect(commandContextFrom(headers, {}, { ...sales, tenantId: 'globex' }).commandId).not.toBe(acme.commandId);
  });

  it('keys the command id of a non-UUID Idempotency-Key with the server secret: nobody without it recomputes the id from the key', () => {
    // A client may build its keys from personal data; ids (a lead's, its stream's name) derive from the command id.
    const headers = { 'idempotency-key': 'lead-09127000014' };
    const secret = Buffer.alloc(32, 7);
    const keyed = commandContextFrom(headers, {}, sales, secret).commandId;
    expect(isUuid(keyed)).toBe(true);
    expect(keyed).toBe(commandIdOfKey('acme', 'lead-09127000014', secret));
    expect(commandContextFrom(headers, {}, sales, secret).commandId).toBe(keyed);
    expect(keyed).not.toBe(uuidV5('acme/lead-09127000014'));
    expect(commandContextFrom(headers, {}, sales, Buffer.alloc(32, 8)).commandId).not.toBe(keyed);
    expect(commandContextFrom(headers, {}, { ...sales, tenantId: 'globex' }, secret).commandId).not.toBe(keyed);
    // A UUID key is the command id itself, as a body commandId is: the two must agree.
    const uuid = '0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d';
    expect(commandContextFrom({ 'idempotency-key': uuid }, { commandId: uuid }, sales, secret).commandId).toBe(uuid);
    // A body commandId carries what the header carries (API.md: the header "or commandId in the body"): one command.
    expect(commandContextFrom({}, { commandId: 'lead-09127000014' }, sales, secret).commandId).toBe(keyed);
    expect(commandContextFrom(headers, { commandId: 'lead-09127000014' }, sales, secret).commandId).toBe(keyed);
    expect(() => commandContextFrom(headers, { commandId: 'lead-09127000015' }, sales, secret)).toThrow(RequestValidationError);
  });

  it('keeps the unkeyed id of a key whose command was recorded before ids were keyed: a retry across the upgrade is answered, not recorded again', async () => {
    const secret = Buffer.alloc(32, 7);
    const legacy = uuidV5('acme/order-42');
    const looked: string[] = [];
    const fastify = Fastify();
    fastify.decorateRequest('principal', undefined);
    fastify.addHook('onRequest', (request, _reply, done) => {
      request.principal = sales;
      done();
    });
    keyCommandIds(fastify, secret, async (commandId, tenantId) => {
      looked.push(`${tenantId}/${commandId}`);
      return commandId === legacy;
    });
    fastify.post('/', (request) => ({
      commandId: commandContextFrom(request.headers, request.body, sales, request.commandIdKey).commandId,
    }));
    const idOf = async (key?: string) =>
      (await fastify.inject({ method: 'POST', url: '/', headers: key === undefined ? {} : { 'idempotency-key': key }, payload: {} })).json<{
        commandId: string;
      }>().commandId;
    expect(await idOf('order-42')).toBe(legacy);
    expect(await idOf('order-43')).toBe(commandIdOfKey('acme', 'order-43', secret));
    // No look-up for a request without a key, or with a UUID key (its own id).
    await idOf();
    await idOf('0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d');
    expect(looked).toEqual([`acme/${legacy}`, `acme/${uuidV5('acme/order-43')}`]);
    // The same key in the body names the same command: the recorded one is found as well (a review).
    const inBody = await fastify.inject({ method: 'POST', url: '/', payload: { commandId: 'order-42' } });
    expect(inBody.json<{ commandId: string }>().commandId).toBe(legacy);
    await fastify.close();
  });

  it('marks a command id it made as new, and none a caller named or a handler derived', () => {
    expect(commandIdIsNew(commandContextFrom({}, {}, sales))).toBe(true);
    expect(commandIdIsNew(commandContextFrom({ 'idempotency-key': 'order-42' }, {}, sales))).toBe(false);
    expect(commandIdIsNew(commandContextFrom({}, { commandId: '0d4f7f5e-8a3c-4b7e-9c1d-2e6f8a9b0c1d' }, sales))).toBe(false);
    // A context copied with another id (a purchase keyed by its external reference) is no longer new.
    const made = commandContextFrom({}, {}, sales);
    expect(commandIdIsNew({ ...made, commandId: '5c2b9a7e-1f3d-4e6a-8b0c-9d2e4f6a8b1c' })).toBe(false);
  });

  it('names every bad header at once: a weak If-Match (If-Match compares strongly) and an X-Correlation-Id that is no UUID', () => {
    const refused = (headers: Record<string, string>) => {
      try {
        commandContextFrom(headers, {}, sales);
      } catch (caught) {
        return (caught as RequestValidationError).errors.map((e) => e.field);
      }
      return [];
    };
    expect(refused({ 'if-match': 'W/"0"', 'x-correlation-id': 'not-a-uuid' })).toEqual(['header.If-Match', 'header.X-Correlation-Id']);
    expect(refused({ 'x-correlation-id': 'x'.repeat(300) })).toEqual(['header.X-Correlation-Id']);
    const correlationId = '6f1d2c4b-5a69-4788-9a0b-1c2d3e4f5a6b';
    const context = commandContextFrom({ 'if-match': '"4"', 'x-correlation-id': correlationId }, {}, sales);
    expect(context).toMatchObject({ expectedRevision: 4, correlationId });
    expect(commandContextFrom({ 'if-match': '*' }, {}, sales).expectedRevision).toBe('stream_exists');
  });

  it('reads If-Match as a reply spells its revision: no leading zeros, one tag (an outside probe had "00" match revision 0)', () => {
    const read = (value: string) => {
      try {
        return commandContextFrom({ 'if-match': value }, {}, sales).expectedRevision;
      } catch (caught) {
        return (caught as RequestValidationError).errors.map((e) => `${e.field}: ${e.messages.join('; ')}`);
      }
    };
    // Quoted (an entity-tag), or bare as a published pattern always took it.
    expect(['"0"', ' "12" ', '"999999999999999"', ' * ', '7'].map(read)).toEqual([0, 12, 999_999_999_999_999, 'stream_exists', 7]);
    expect(read('"00"')).toEqual([
      'header.If-Match: If-Match must be a stream revision as a reply\'s revision gives it, without leading zeros: "3"',
    ]);
    for (const value of ['01', '"1', '1"', '"-1"', '"1.0"', '""', '', '"1000000000000000"', '"١"'])
      expect([value, read(value)]).toEqual([value, [expect.stringMatching(/^header\.If-Match: If-Match must be a stream revision/)]]);
    expect(read('"2", "3"')).toEqual(['header.If-Match: If-Match takes one revision here, as a reply\'s revision gives it ("3"), or *']);
    expect(read('W/"2"')).toEqual(['header.If-Match: If-Match compares strongly: give the revision as "3", not a weak tag (W/)']);
  });
});
