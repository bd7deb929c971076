import { ApiKeyRegistry, apiKeyStream, hashApiKey, loadApiKeySecret, newApiKey } from '@crm/identity/application';
import { apiKeyDecider, isRole, ROLES, type Role } from '@crm/identity/domain';
import { DomainError, handleCommand, StreamNotFoundError } from '@crm/shared/event-sourcing';
import { lineProblem } from '@crm/shared/http';
import { newId } from '@crm/shared/kernel';
import { UsageError } from '../args';
import { defineCommand, type Stores, withStores } from '../context';
import { cliActor, tenantOption } from '../identity';
import { table } from '../table';
import type { CliIo } from '../context';

/** As `POST /api/v1/admin/api-keys` takes it (CreateApiKeyRequestDto: LineField(100)). */
const KEY_NAME_MAX_LENGTH = 100;

const OPTIONS = {
  name: { type: 'string', value: '<name>', description: 'create: what the key is for, e.g. the service that uses it' },
  role: { type: 'string', multiple: true, value: '<role>', description: `create: a role of the key (${ROLES.join(', ')})` },
  tenant: { type: 'string', value: '<id>', description: "the key's tenant (default: default)" },
  'all-tenants': { type: 'boolean', description: "list: every tenant's keys" },
  reason: { type: 'string', value: '<text>', description: 'revoke: why, for the audit trail' },
  json: { type: 'boolean', description: 'list: as JSON' },
} as const;

async function list(stores: Stores, io: CliIo, tenantId: string | undefined, json: boolean): Promise<number> {
  const registry = new ApiKeyRegistry(stores.events);
  await registry.start();
  const keys = registry.list(tenantId);
  await registry.onModuleDestroy();
  if (json) io.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
  else {
    const rows = keys.map((k) => [k.id, k.tenantId, k.name, k.roles.join(','), k.status, k.createdAt, k.revokedAt ?? '']);
    io.stdout.write(`${table(['id', 'tenant', 'name', 'roles', 'status', 'created', 'revoked'], rows)}\n`);
  }
  return 0;
}

async function create(stores: Stores, io: CliIo, tenantId: string, name: string, roles: readonly Role[]): Promise<number> {
  const key = newApiKey();
  const keyId = newId();
  const now = new Date();
  const data = {
    keyId,
    name,
    roles,
    tenantId,
    keyHash: hashApiKey(loadApiKeySecret(stores.config.auth), key),
    createdAt: now.toISOString(),
  };
  const actor = cliActor(io.env);
  await handleCommand(stores.events, apiKeyDecider, apiKeyStream(keyId), { type: 'CreateApiKey', data }, { tenantId, actor, now });
  // The key alone on stdout, so `key=$(crm-cli api-keys create …)` captures it; it is shown this once.
  io.stdout.write(`${key}\n`);
  io.stderr.write(
    `created API key ${keyId} (${roles.join(', ')}) for tenant ${tenantId}, recorded as ${actor.id}; store the key now, it is not shown again\n`,
  );
  return 0;
}

async function revoke(stores: Stores, io: CliIo, tenantId: string, keyId: string, reason: string | undefined): Promise<number> {
  const command = { type: 'RevokeApiKey' as const, data: { keyId, reason, revokedAt: new Date().toISOString() } };
  try {
    const result = await handleCommand(stores.events, apiKeyDecider, apiKeyStream(keyId), command, { tenantId, actor: cliActor(io.env) });
    io.stderr.write(result.events.length > 0 ? `revoked API key ${keyId}\n` : `API key ${keyId} was already revoked\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
    io.stderr.write(`no API key ${keyId} in tenant ${tenantId}\n`);
    return 1;
  }
}

export const apiKeysCommand = defineCommand({
  name: 'api-keys',
  summary: 'list, create or revoke API keys directly in the store (recovery, or the first admin of a new tenant)',
  usage:
    'crm-cli api-keys list [--tenant <id> | --all-tenants] [--json]\n' +
    '       crm-cli api-keys create --name <name> --role <role>... [--tenant <id>]\n' +
    '       crm-cli api-keys revoke <keyId> [--tenant <id>] [--reason <text>]',
  details:
    'For operators with access to the store itself; services use POST /api/v1/admin/api-keys. Needs the same\n' +
    'CRM_AUTH_SECRET (or secret file) as the API, or the keys it makes will not authenticate there. create\n' +
    'prints the key alone on stdout, once. What it records names cli:<your user name> as the actor.\n' +
    'Running API processes see a change within their subscription latency.',
  options: OPTIONS,
  run: async (args, io) => {
    const [action, ...rest] = args.positionals;
    const { name, role, tenant, reason, json } = args.options;
    const all = args.options['all-tenants'];
    if (all && (action !== 'list' || tenant !== undefined)) throw new UsageError('--all-tenants goes with list, without --tenant');
    const tenantId = tenantOption(tenant);
    switch (action) {
      case 'list':
        if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`);
        return withStores(io, (stores) => list(stores, io, all ? undefined : tenantId, json));
      case 'create': {
        if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`);
        if (name === undefined || name.trim() === '') throw new UsageError('create needs --name');
        // The API's own rule for a key's name (one line, at most 100 characters, no control character): a name made
        // here was taken as given, 5,000 characters or a line break and a terminal escape, which `list` then printed.
        const nameProblem = lineProblem(KEY_NAME_MAX_LENGTH)(name, {});
        if (nameProblem !== undefined) throw new UsageError(`--name ${nameProblem}`);
        const unknown = role.filter((r) => !isRole(r));
        if (role.length === 0 || unknown.length > 0) throw new UsageError(`create needs --role, each one of ${ROLES.join(', ')}`);
        try {
          return await withStores(io, (stores) => create(stores, io, tenantId, name, role as Role[]));
        } catch (error) {
          if (error instanceof DomainError) throw new UsageError(error.message);
          throw error;
        }
      }
      case 'revoke': {
        const [keyId, ...extra] = rest;
        if (keyId === undefined) throw new UsageError('name the key to revoke');
        if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
        return withStores(io, (stores) => revoke(stores, io, tenantId, keyId.toLowerCase(), reason));
      }
      default:
        throw new UsageError(
          action === undefined ? 'say what to do: list, create or revoke' : `unknown action ${action}: list, create or revoke`,
        );
    }
  },
});
