import { isUuid } from '@crm/shared/kernel';
import { commandContextFrom, commandIdIsNew } from './command-context';
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
});
