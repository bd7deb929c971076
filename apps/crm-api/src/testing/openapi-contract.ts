import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Every reply the e2e suite receives through `http()` is checked against the
 * OpenAPI document the same server publishes: the status must be declared for
 * the operation, and a JSON body must match the declared schema (problem
 * bodies included, with the refusal codes the route declares). A reply that
 * breaks the document fails the test that received it.
 */

type Json = Record<string, unknown>;
interface Operation {
  readonly responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface Route {
  readonly template: string;
  readonly pattern: RegExp;
  readonly params: number;
}

interface Contract {
  readonly document: Json & { paths: Record<string, Record<string, Operation>> };
  readonly routes: readonly Route[];
  readonly ajv: Ajv;
  readonly compiled: Map<string, ValidateFunction>;
}

const contracts = new Map<string, Promise<Contract>>();
let validated = 0;

export function responsesValidated(): number {
  return validated;
}

const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

async function load(base: string): Promise<Contract> {
  // The document itself is public and not part of the checked traffic.
  const document = (await (await fetch(`${base}/api/docs-json`)).json()) as Contract['document'];
  const ajv = new Ajv({ strict: false, allErrors: true, discriminator: true });
  addFormats(ajv);
  ajv.addSchema({ ...document, $id: 'openapi' } as Json);
  const routes = Object.keys(document.paths)
    .map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
      params: (template.match(/\{/g) ?? []).length,
    }))
    .sort((a, b) => a.params - b.params);
  return { document, routes, ajv, compiled: new Map() };
}

function contractOf(base: string): Promise<Contract> {
  let contract = contracts.get(base);
  if (!contract) {
    contract = load(base);
    contracts.set(base, contract);
  }
  return contract;
}

function decodedPath(path: string): string | undefined {
  try {
    return decodeURIComponent(path.split('?')[0] ?? path);
  } catch {
    return undefined;
  }
}

/** Throws when the reply is not one the document allows; undefined when the route is not in the document (unknown routes, the docs). */
export async function assertReplyMatchesContract(
  base: string,
  method: string,
  path: string,
  status: number,
  contentType: string | null,
  body: unknown,
): Promise<void> {
  const contract = await contractOf(base);
  // A path that does not decode (a malformed percent-escape) is matched as sent, as an outside validator matches it.
  const plain = decodedPath(path) ?? path.split('?')[0] ?? path;
  const route = contract.routes.find((candidate) => candidate.pattern.test(plain));
  const operation = route ? contract.document.paths[route.template]?.[method.toLowerCase()] : undefined;
  if (!route || !operation) return;
  const where = `${method} ${route.template} → ${status}`;
  const declared = operation.responses?.[String(status)] ?? operation.responses?.['default'];
  if (!declared) throw new Error(`${where}: status not declared in the OpenAPI document`);
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!/json$/.test(type)) return;
  const key = `${route.template}|${method.toLowerCase()}|${status}|${type}`;
  let validate = contract.compiled.get(key);
  if (!validate) {
    const responseKey = operation.responses?.[String(status)] ? String(status) : 'default';
    if (!declared.content?.[type]?.schema) throw new Error(`${where}: ${type} body not declared in the OpenAPI document`);
    const pointer = ['paths', route.template, method.toLowerCase(), 'responses', responseKey, 'content', type, 'schema']
      .map(escape)
      .join('/');
    validate = contract.ajv.compile({ $ref: `openapi#/${pointer}` });
    contract.compiled.set(key, validate);
  }
  validated += 1;
  if (!validate(body)) {
    const problems = (validate.errors ?? [])
      .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
      .join('; ');
    throw new Error(`${where}: reply breaks the OpenAPI document: ${problems}\nbody: ${JSON.stringify(body).slice(0, 2000)}`);
  }
}

/** After each e2e file: how many replies were checked, for the suite's summary. */
export function recordValidatedCount(file: string): void {
  const dir = join(__dirname, '..', '..', '..', '..', 'tmp', 'openapi-validated', 'apps', 'crm-api');
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, `${process.pid}.txt`), `${validated} ${file}\n`);
  validated = 0;
}
