import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { http, startTestApp, type TestApp } from '../testing/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking an arbitrary JSON document

const ROOT = join(__dirname, '..', '..', '..', '..');
const PROBES = ['/health/live', '/health/ready'];

function* walk(node: unknown, path = '#'): Generator<[string, Json]> {
  if (typeof node !== 'object' || node === null) return;
  yield [path, node as Json];
  for (const [key, value] of Object.entries(node)) yield* walk(value, `${path}/${key}`);
}

/** The published document is the contract: these are the defects it had, each pinned. */
describe('the OpenAPI document (real server)', () => {
  let server: TestApp;
  let doc: Json;
  const operations = () =>
    Object.entries(doc['paths'] as Json).flatMap(([path, item]) =>
      Object.entries(item as Json).map(([method, op]) => ({ path, method, op: op as Json })),
    );

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: 'memory' });
    doc = (await (await fetch(`${server.url}/api/docs-json`)).json()) as Json;
  });
  afterAll(async () => server.close());

  it("passes Redocly's recommended rules with zero errors", () => {
    const dir = join(ROOT, 'tmp', 'openapi');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc, null, 2));
    const cli = join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
    const run = spawnSync(process.execPath, [cli, 'lint', file, '--config', join(ROOT, 'redocly.yaml')], { encoding: 'utf8', cwd: ROOT });
    const output = `${run.stdout}${run.stderr}`;
    const summary = output
      .split('\n')
      .filter((line) => /API description is valid|Validation failed|You have \d+ warning/.test(line))
      .join(' ');
    process.stdout.write(`Redocly (recommended): ${summary.trim() || output}\n`);
    expect([run.status, output]).toEqual([0, expect.stringContaining('Your API description is valid')]);
  });

  // An outside probe: the email fields said `format: email` (ASCII only), so a client or gateway validating against the
  // document refused علی@مثال.ایران, which the server takes and deduplicates.
  it('declares email fields as idn-email, and the server takes an address in Persian script', async () => {
    const formats = [...walk(doc['components']['schemas'])].filter(([path]) => /\/properties\/email$/.test(path));
    expect(formats.length).toBeGreaterThanOrEqual(5);
    expect(formats.filter(([, schema]) => schema['format'] !== 'idn-email').map(([path]) => path)).toEqual([]);
    const capture = await http(server.url, 'POST', '/api/v1/leads', { fullName: 'علی رضایی', email: 'علی۱۳۶۷@مثال.ایران', source: 'web' });
    expect(capture.status).toBe(201);
  });

  it('has one shared Problem component (code, errors, details) that every problem response refers to', () => {
    const problem = doc['components']['schemas']['Problem'] as Json;
    expect(Object.keys(problem['properties'])).toEqual(expect.arrayContaining(['code', 'errors', 'details']));
    const problemBodies = [...walk(doc['paths'])].filter(
      ([path]) => path.endsWith('/application~1problem+json') || path.endsWith('/application/problem+json'),
    );
    const inlined = problemBodies.filter(([, body]) => !JSON.stringify(body['schema']).includes('"#/components/schemas/Problem"'));
    expect(inlined.map(([path]) => path)).toEqual([]);
    expect(problemBodies.length).toBeGreaterThan(300);
  });

  it('names the codes every problem response may carry (no open Problem), REQUEST.BAD_URL among the 400s of every route with a path parameter', () => {
    const open = operations().flatMap(({ path, method, op }) =>
      Object.entries(op['responses'] as Json)
        .filter(([, response]) => {
          const schema = (response as Json)['content']?.['application/problem+json']?.['schema'];
          return schema !== undefined && !Array.isArray(schema['allOf']?.[1]?.['properties']?.['code']?.['enum']);
        })
        .map(([status]) => `${method.toUpperCase()} ${path} ${status}`),
    );
    expect(open).toEqual([]);
    const templated = operations().filter(({ path }) => path.includes('{'));
    expect(templated.length).toBeGreaterThan(30);
    // A query string may be malformed on any operation: every one declares it.
    const withoutBadUrl = operations().filter(
      ({ op }) =>
        !op['responses']['400']['content']['application/problem+json']['schema']['allOf'][1]['properties']['code']['enum'].includes(
          'REQUEST.BAD_URL',
        ),
    );
    expect(withoutBadUrl.map(({ path, method }) => `${method.toUpperCase()} ${path}`)).toEqual([]);
    // What any request may meet at the edge, declared on every operation: an unreadable request line (400
    // REQUEST.MALFORMED), a request not received in time (408), headers past the limit (431); every 429 says when to
    // retry (every operation but the probes may answer one) and every 401 names the scheme.
    const codes = (response: Json) =>
      response?.['content']?.['application/problem+json']?.['schema']?.['allOf']?.[1]?.['properties']?.['code']?.['enum'] ?? [];
    const missing = operations().flatMap(({ path, method, op }) => {
      const responses = op['responses'] as Json;
      const where = `${method.toUpperCase()} ${path}`;
      return [
        codes(responses['400']).includes('REQUEST.MALFORMED') ? [] : [`${where} 400 REQUEST.MALFORMED`],
        codes(responses['408']).includes('REQUEST.TIMEOUT') ? [] : [`${where} 408`],
        codes(responses['431']).includes('REQUEST.HEADERS_TOO_LARGE') ? [] : [`${where} 431`],
        // The probes are outside the rate limit (UNLIMITED_ROUTES): never a 429.
        PROBES.includes(path)
          ? responses['429']
            ? [`${where} 429 on a probe`]
            : []
          : responses['429']?.['headers']?.['Retry-After']
            ? []
            : [`${where} 429 Retry-After`],
        !responses['401'] || responses['401']['headers']?.['WWW-Authenticate'] ? [] : [`${where} 401 WWW-Authenticate`],
      ].flat();
    });
    expect(missing).toEqual([]);
  });

  it('answers a path parameter that does not percent-decode as the document says, on every route that takes one', async () => {
    const templated = operations().filter(({ path }) => path.includes('{'));
    const answers = await Promise.all(
      templated.map(async ({ path, method }) => {
        // `http` checks the reply against this document, matching the URL as sent (it does not decode).
        const reply = await http(server.url, method.toUpperCase(), path.replace(/\{[^}]+\}/g, 'x%zz'), method === 'get' ? undefined : {});
        return `${method.toUpperCase()} ${path} → ${reply.status} ${String(reply.body['code'])}`;
      }),
    );
    expect(answers.filter((answer) => !answer.endsWith('→ 400 REQUEST.BAD_URL'))).toEqual([]);
  });

  it('declares as a UUID every path parameter the server refuses unless it is one', async () => {
    const uuid = '0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d';
    const undeclared: string[] = [];
    for (const { path, method, op } of operations().filter(({ path }) => path.includes('{'))) {
      for (const name of [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string)) {
        const url = path.replace(/\{([^}]+)\}/g, (_, other: string) => (other === name ? 'not-a-uuid' : uuid));
        const reply = await http(server.url, method.toUpperCase(), url, method === 'get' ? undefined : {});
        const errors = (reply.body['errors'] as { field: string; messages: string[] }[] | undefined) ?? [];
        const refusedAsUuid = errors.some((error) => error.field === name && error.messages.some((message) => message.includes('UUID')));
        const declared = ((op['parameters'] as Json[] | undefined) ?? []).find((param) => param['in'] === 'path' && param['name'] === name);
        if (refusedAsUuid && declared?.['schema']?.['format'] !== 'uuid') undeclared.push(`${method.toUpperCase()} ${path} {${name}}`);
      }
    }
    expect(undeclared).toEqual([]);
  });

  it('types every response: a JSON schema on every 2xx JSON reply, the stream, audit-trail, KPI, satisfaction and health routes included', () => {
    const untyped = operations().flatMap(({ path, method, op }) =>
      Object.entries(op['responses'] as Json)
        .filter(([, response]) => !(response as Json)['content'])
        .map(([status]) => `${method.toUpperCase()} ${path} ${status}`),
    );
    expect(untyped).toEqual([]);
    const metrics = doc['paths']['/metrics']['get']['responses']['200']['content'];
    expect(Object.keys(metrics)).toEqual(['text/plain']); // Prometheus exposition, typed as text
    const trail =
      doc['paths']['/api/v1/views/complaints/{id}/audit-trail']['get']['responses']['200']['content']['application/json']['schema'];
    expect(trail['properties']['steps']['items']['type']).toBe('object');
    expect(trail['properties']['breaches']['items']['type']).toBe('object');
    expect(trail['properties']['deadlines']['required']).toEqual(['acknowledgeBy', 'resolveBy']);
  });

  it('declares the refusal codes of each route from the aggregates it decides on', () => {
    const qualify = doc['paths']['/api/v1/leads/{id}/qualify']['post']['responses'];
    const codes = (status: string) =>
      qualify[status]['content']['application/problem+json']['schema']['allOf'][1]['properties']['code']['enum'];
    expect(codes('409')).toEqual(
      expect.arrayContaining(['LEAD.CLOSED', 'LEAD.ALREADY_QUALIFIED', 'ACCOUNT.CLOSED', 'CONCURRENCY.CONFLICT']),
    );
    expect(codes('404')).toEqual(expect.arrayContaining(['LEAD.NOT_FOUND', 'CONTACT.NOT_FOUND', 'ACCOUNT.NOT_FOUND']));
    expect(codes('400')).toEqual(expect.arrayContaining(['VALIDATION.FAILED', 'OPPORTUNITY.NAME_REQUIRED']));
    expect(codes('404')).not.toContain('STREAM.NOT_FOUND');
    expect(qualify['422']).toBeDefined();
  });

  it('uses discriminated unions where the API has them: survey answers by surveyType, party, assignee, recurrence', () => {
    const schemas = doc['components']['schemas'] as Json;
    const survey = schemas['RecordSurveyResponseRequestDto'];
    expect(survey['discriminator']['propertyName']).toBe('surveyType');
    expect(Object.keys(survey['discriminator']['mapping']).sort()).toEqual(['ces', 'csat', 'nps', 'servqual']);
    expect(schemas['RecordSurveyResponseRequestDto_csat']['properties']['answers']).toEqual({
      $ref: '#/components/schemas/CsatAnswersDto',
    });
    for (const [name, keys] of [
      ['PartyDto', ['contactId', 'accountId', 'name']],
      ['AssigneeDto', ['userId', 'teamId']],
      ['RecurrenceDto', ['count', 'until']],
    ] as const) {
      const variants = schemas[name]['oneOf'] as Json[];
      expect(variants.map((variant) => variant['required'].at(-1))).toEqual(keys);
      expect(variants.every((variant) => variant['additionalProperties'] === false)).toBe(true);
    }
  });

  it('declares headers (Idempotency-Key, If-Match, Retry-After), sets servers, and marks no body required that requires nothing', () => {
    const win = doc['paths']['/api/v1/opportunities/{id}/win']['post'];
    expect(win['parameters'].map((p: Json) => p['name'])).toEqual(expect.arrayContaining(['Idempotency-Key', 'If-Match', 'id']));
    expect(win['responses']['409']['headers']['Retry-After']).toBeDefined();
    expect(doc['paths']['/api/v1/views/pipeline']['get']['responses']['503']['headers']['Retry-After']).toBeDefined();
    expect(doc['servers']).toEqual([expect.objectContaining({ url: '/' })]);
    const requiredButEmpty = operations().filter(({ op }) => {
      const ref = op['requestBody']?.['content']?.['application/json']?.['schema']?.['$ref'] as string | undefined;
      const schema = ref ? doc['components']['schemas'][ref.split('/').at(-1) as string] : undefined;
      return op['requestBody']?.['required'] === true && schema && !(schema['required']?.length > 0) && !schema['oneOf'];
    });
    expect(requiredButEmpty.map(({ path }) => path)).toEqual([]);
  });

  it('closes every request schema at every depth (additionalProperties: false), as the server refuses unknown fields', () => {
    const open: string[] = [];
    const seen = new Set<string>();
    const walk = (node: unknown): void => {
      if (typeof node !== 'object' || node === null) return;
      const ref = (node as Json)['$ref'] as string | undefined;
      if (typeof ref === 'string') {
        const name = ref.split('/').at(-1) as string;
        if (seen.has(name)) return;
        seen.add(name);
        const schema = doc['components']['schemas'][name];
        if (schema['properties'] && schema['additionalProperties'] !== false && !schema['allOf']) open.push(name);
        walk(schema);
        return;
      }
      for (const value of Object.values(node)) walk(value);
    };
    for (const { op } of operations()) walk(op['requestBody']);
    expect(seen.size).toBeGreaterThan(50);
    expect(open).toEqual([]);
  });

  it('speaks one vocabulary: paper mail is `letter` everywhere, never `post`', () => {
    const enums = [...walk(doc['components'])]
      .map(([, node]) => node['enum'])
      .filter(Array.isArray)
      .flat();
    expect(enums).toContain('letter');
    expect(enums).not.toContain('post');
  });
});
