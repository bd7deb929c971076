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
  },
};

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

  it('leaves the probes open', () => {
    const live = decorated.paths['/health/live']?.get;
    expect(live?.security).toEqual([]);
    expect(Object.keys(live?.responses ?? {})).toEqual(['200']);
  });
});
