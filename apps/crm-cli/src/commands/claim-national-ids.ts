import { BlindIndex } from '@crm/shared/personal-data';
import { existingServerSecret, loadServerSecret } from '@crm/platform';
import { UsageError } from '../args';
import { defineCommand, withStores, type CliIo, type Output, type Stores } from '../context';
import { cliActor, tenantScope } from '../identity';
import {
  claimNationalIds,
  DUPLICATES_EXIT,
  ForeignSecretError,
  type DuplicateNationalId,
  type NationalIdBackfill,
} from '../national-id-claims';
import { formatCount, formatDuration, ProgressLine } from '../progress';
import { table } from '../table';

/**
 * The blind index the API names claim streams by: the server secret's (CRM_SERVER_SECRET, or server-secret in
 * CRM_DATA_DIR). `claim-national-ids` takes only one that exists: one made here would not be the API's, and the claims
 * made under it would name streams the API never reads, for good (a review found it; a usage error now, exit 2, before
 * anything is read). A seed into a store of its own may make it, as the API's first start on that directory would.
 */
export function serverBlindIndex(stores: Pick<Stores, 'config'>, io: Pick<CliIo, 'env'>, { make = true } = {}): BlindIndex {
  const secret = make ? loadServerSecret(stores.config, io.env) : existingServerSecret(stores.config, io.env);
  if (secret === undefined) {
    throw new UsageError(
      `no server secret: set CRM_SERVER_SECRET as the API has it, or CRM_DATA_DIR to the data directory holding its server-secret (${stores.config.dataDir} has none)`,
    );
  }
  return new BlindIndex(secret);
}

/** The duplicates as a table (tenant, accounts), for stdout: account ids only, never the national id they share. */
export function duplicatesTable(duplicates: readonly DuplicateNationalId[]): string {
  return `${table(
    ['TENANT', 'ACCOUNTS HOLDING ONE NATIONAL ID'],
    duplicates.map(({ tenantId, accountIds }) => [tenantId, accountIds.join(' ')]),
  )}\n`;
}

/** `claimed 12 national ids, 3 claimed already, skipped 5 (4 no id, 1 erased, 0 invalid) of 20 accounts`. */
export function backfillSummary(result: NationalIdBackfill, dryRun: boolean): string {
  const { accounts, appended, alreadyClaimed, skipped } = result;
  const skips = skipped.noId + skipped.erased + skipped.invalid;
  return (
    `${dryRun ? 'would claim' : 'claimed'} ${formatCount(appended)} national id${appended === 1 ? '' : 's'} of ${formatCount(accounts)} ` +
    `account${accounts === 1 ? '' : 's'}: ${formatCount(alreadyClaimed)} claimed already, ${formatCount(skips)} skipped ` +
    `(${formatCount(skipped.noId)} with no id, ${formatCount(skipped.erased)} erased, ${formatCount(skipped.invalid)} not a valid id)`
  );
}

/** What a duplicate means, on stderr after the summary. */
export function duplicatesNote(duplicates: readonly DuplicateNationalId[]): string {
  const n = duplicates.length;
  return (
    `${formatCount(n)} national id${n === 1 ? ' is' : 's are'} held by two or more accounts of a tenant (opened before ` +
    'the one-account-per-id rule; listed on stdout): merge them. New accounts with these ids are refused.\n'
  );
}

const OPTIONS = {
  tenant: { type: 'string', value: '<id>', description: "this tenant's accounts (default: default)" },
  'all-tenants': { type: 'boolean', description: "every tenant's accounts" },
  'dry-run': { type: 'boolean', description: 'append nothing: count what would be claimed, list the duplicates' },
  json: { type: 'boolean', description: 'print the report as JSON on stdout' },
} as const;

export const claimNationalIdsCommand = defineCommand({
  name: 'claim-national-ids',
  summary: 'one-off after upgrading: give accounts opened before the one-account-per-national-id rule their claims',
  usage: 'crm-cli claim-national-ids [--tenant <id> | --all-tenants] [--dry-run] [--json]',
  details:
    'Reads every account (personal data opened; an erased one, one with no national id or with an invalid one is\n' +
    'skipped) and appends, for each that takes a national id, the claim the API makes when an account takes one,\n' +
    'to the claim stream of that id (named by its blind index under the server secret: run it with the API’s\n' +
    'CRM_SERVER_SECRET, or its CRM_DATA_DIR). A claim stream that lists the account already gets nothing: run it\n' +
    'twice, or beside the running API, and each claim is made once. Nothing is deleted.\n' +
    'Then lists on stdout each national id that two or more accounts of a tenant hold (the tenant and the account\n' +
    'ids, never the id itself): accounts opened before the rule, to merge; the API refuses any further one.\n' +
    `Exit codes: 0 every id held by one account, ${DUPLICATES_EXIT} some held by two or more (listed), 1 failure or\n` +
    'interrupted (run it again), 2 usage or configuration (a server secret other than the one the claims in the log\n' +
    'were made under).',
  options: OPTIONS,
  run: async (args, io) => {
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
    const tenantId = tenantScope(args.options.tenant, args.options['all-tenants']);
    const dryRun = args.options['dry-run'];
    return withStores(io, async (stores) => {
      const line = new ProgressLine(io.stderr, dryRun ? 'claim-national-ids (dry run)' : 'claim-national-ids');
      let interrupted = false;
      void io.interrupted.then(() => (interrupted = true));
      let result: NationalIdBackfill;
      try {
        result = await claimNationalIds(stores.events, {
          index: serverBlindIndex(stores, io, { make: false }),
          tenantId,
          actor: cliActor(io.env),
          dryRun,
          onProgress: (_phase, done, total) => line.update(done, total),
          stopRequested: () => interrupted,
        });
      } catch (error) {
        line.finish();
        if (error instanceof ForeignSecretError) throw new UsageError(error.message);
        throw error;
      }
      return reportBackfill(result, { dryRun, json: args.options.json, stdout: io.stdout, stderr: io.stderr, line });
    });
  },
});

/** Prints a backfill's outcome (JSON or the duplicates' table on stdout, the summary on stderr); the exit code. */
export function reportBackfill(
  result: NationalIdBackfill,
  out: { readonly dryRun: boolean; readonly json: boolean; readonly stdout: Output; readonly stderr: Output; readonly line: ProgressLine },
): number {
  const { dryRun, json, stdout, stderr, line } = out;
  if (json) {
    const { accounts, appended, alreadyClaimed, skipped, duplicates, head, stopped } = result;
    const report = { dryRun, head: head ?? null, accounts, appended, alreadyClaimed, skipped, duplicates, ...(stopped ? { stopped } : {}) };
    stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else if (result.duplicates.length > 0) stdout.write(duplicatesTable(result.duplicates));
  const summary = `${backfillSummary(result, dryRun)} in ${formatDuration(line.elapsedMs / 1000)}`;
  if (result.stopped) {
    line.finish(`interrupted: ${summary}. The claims appended stay: run it again to make the rest`);
    return 1;
  }
  line.finish(summary);
  if (result.duplicates.length === 0) return 0;
  stderr.write(duplicatesNote(result.duplicates));
  return DUPLICATES_EXIT;
}
