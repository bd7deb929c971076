import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { apiKeyDecider } from '@crm/identity/domain';
import { DEFAULT_TENANT } from '@crm/shared/event-sourcing';
import { uuidV5 } from '@crm/shared/kernel';
import { CommandExecutor, type CommandContext } from '@crm/shared/http';
import { apiKeyStream } from '../admin/api-key-replies';
import type { AuthSettings } from '../identity-settings';
import { hashApiKey, newApiKey } from '../keys/api-key-secret';
import { ApiKeyRegistry } from '../keys/api-key-registry';
import { API_KEY_SECRET, AUTH_SETTINGS } from '../tokens';

/** One bootstrap key per store, ever: fixed ids make two processes starting at once record at most one. */
export const BOOTSTRAP_KEY_ID = uuidV5('crm/bootstrap-admin-key');
const BOOTSTRAP_COMMAND_ID = uuidV5('crm/bootstrap-admin-key/create');
const BOOTSTRAP_ACTOR = { id: 'system:bootstrap', roles: [] };

export const AUTH_OFF_WARNING =
  'Authentication is OFF (CRM_AUTH=off): every caller is an anonymous admin of tenant default. Never expose this server.';

/**
 * API.md "Bootstrap": when authentication is on and no key exists, one admin
 * key is created and written, alone on one line, to the bootstrap key file
 * (mode 0600). The path is logged, the key never. The file is written before
 * the key is recorded and renamed into place after, so a crash in between
 * leaves the key recoverable (next start) instead of recorded but unknown.
 */
@Injectable()
export class BootstrapAdminKey implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');

  constructor(
    @Inject(AUTH_SETTINGS) private readonly settings: AuthSettings,
    @Inject(API_KEY_SECRET) private readonly secret: Buffer,
    private readonly registry: ApiKeyRegistry,
    private readonly executor: CommandExecutor,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.registry.start();
    if (!this.settings.enabled) {
      this.logger.warn(AUTH_OFF_WARNING);
      return;
    }
    if (this.registry.size > 0) {
      this.recoverInterrupted();
      return;
    }
    await this.create();
  }

  private get pending(): string {
    return `${this.settings.bootstrapKeyFile}.pending`;
  }

  private async create(): Promise<void> {
    const file = this.settings.bootstrapKeyFile;
    const key = newApiKey();
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(this.pending, `${key}\n`, { mode: 0o600 });
    chmodSync(this.pending, 0o600);
    const now = this.executor.now();
    const data = {
      keyId: BOOTSTRAP_KEY_ID,
      name: 'bootstrap admin',
      roles: ['admin' as const],
      tenantId: DEFAULT_TENANT,
      keyHash: hashApiKey(this.secret, key),
      bootstrap: true,
      createdAt: now.toISOString(),
    };
    const context: CommandContext = { commandId: BOOTSTRAP_COMMAND_ID, actor: BOOTSTRAP_ACTOR, tenantId: DEFAULT_TENANT };
    const result = await this.executor.execute(apiKeyDecider, apiKeyStream(BOOTSTRAP_KEY_ID), { type: 'CreateApiKey', data }, context, now);
    if (result.duplicate) {
      // Another process on this store recorded its bootstrap key first: ours was never valid.
      rmSync(this.pending, { force: true });
      return;
    }
    this.registry.apply(DEFAULT_TENANT, result.nextExpectedRevision, { type: 'ApiKeyCreated', data });
    renameSync(this.pending, file);
    this.logger.log(`No API key existed: created the bootstrap admin key in ${file} (readable by this user only)`);
  }

  /** A start that crashed between recording the key and renaming its file finishes here. */
  private recoverInterrupted(): void {
    if (existsSync(this.settings.bootstrapKeyFile) || !existsSync(this.pending)) return;
    const key = readFileSync(this.pending, 'utf8').trim();
    const recorded = this.registry.findByHash(hashApiKey(this.secret, key));
    if (recorded?.bootstrap && !recorded.revoked) {
      renameSync(this.pending, this.settings.bootstrapKeyFile);
      this.logger.log(`Recovered the bootstrap admin key of an interrupted start into ${this.settings.bootstrapKeyFile}`);
    } else {
      rmSync(this.pending, { force: true });
    }
  }
}
