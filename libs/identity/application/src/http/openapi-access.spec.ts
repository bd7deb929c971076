import type { OpenAPIObject } from '@nestjs/swagger';
import { withAccessControl } from './openapi-access';

const document: OpenAPIObject = {
  openapi: '3.0.0',
  info: { title: 't', version: '1' },
  paths: {
    '/api/v1/leads/{id}/qualify': {
      post: { summary: 'qualify', description: 'Refusals: LEAD.CLOSED', responses: { 200: { description: 'ok' } } },
    },
    '/health/live': { get: { summary: 'live', responses: { 200: { description: 'ok' } } } },
    '/api/v1/views/churn': { get: { summary: 'churn', responses: { 200: { description: 'ok' } } } },
    '/api/docs-json': { get: { summary: 'document', responses: { 200: { description: 'ok' } } } },
  },
};

/** The codes a problem response's schema allows. */
function codesOf(response: unknown): unknown {
  const schema = (response as { content?: Record<string, { schema?: { allOf?: { properties?: { code?: { enum?: unknown } } }[] } }> })
    ?.content?.['application/problem+json']?.schema;
  return schema?.allOf?.[1]?.properties?.code?.enum;
}

describe('OpenAPI from the access table', () => {
  const decorated = withAccessControl(document);

  it('declares the bearer scheme and requires it by default', () => {
    expect(decorated.components?.securitySchemes?.['bearer']).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(decorated.security).toEqual([{ bearer: [] }]);
  });

  it('adds 401, 403 and 429 to every protected operation and names its roles first in the description', () => {
    const qualify = decorated.paths['/api/v1/leads/{id}/qualify']?.post;
    expect(qualify?.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(qualify?.responses ?? {}).sort()).toEqual(['200', '401', '403', '429']);
    expect(qualify?.description).toBe('Roles: sales, admin.\n\nRefusals: LEAD.CLOSED');
    expect(decorated.paths['/api/v1/views/churn']?.get?.description).toBe('Roles: sales, analyst, admin.');
  });

  it('names the codes each of those may carry', () => {
    const responses = decorated.paths['/api/v1/leads/{id}/qualify']?.post?.responses ?? {};
    expect({ 401: codesOf(responses['401']), 403: codesOf(responses['403']), 429: codesOf(responses['429']) }).toEqual({
      401: ['AUTH.UNAUTHENTICATED'],
      403: ['AUTH.FORBIDDEN'],
      429: ['AUTH.TOO_MANY_FAILURES', 'REQUEST.TOO_MANY'],
    });
  });

  it('declares the headers those carry: Retry-After and the budget on every 429, WWW-Authenticate on every 401', () => {
    const qualify = decorated.paths['/api/v1/leads/{id}/qualify']?.post?.responses ?? {};
    const docs = decorated.paths['/api/docs-json']?.get?.responses ?? {};
    const budget = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];
    for (const response of [qualify['429'], docs['429']])
      expect(Object.keys((response as { headers?: object }).headers ?? {})).toEqual(['Retry-After', ...budget]);
    expect(Object.keys((qualify['403'] as { headers?: object }).headers ?? {})).toEqual([]);
    expect(Object.keys((qualify['401'] as { headers?: object }).headers ?? {})).toEqual(['WWW-Authenticate']);
  });

  it('leaves the probes open and outside the rate limit, and other anonymous routes limited by address', () => {
    const live = decorated.paths['/health/live']?.get;
    expect(live?.security).toEqual([]);
    expect(Object.keys(live?.responses ?? {})).toEqual(['200']);
    const docs = decorated.paths['/api/docs-json']?.get;
    expect(docs?.security).toEqual([]);
    expect(codesOf(docs?.responses['429'])).toEqual(['REQUEST.TOO_MANY']);
  });
});
