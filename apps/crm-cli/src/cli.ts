import { describeOptions, parseArgs, UsageError } from './args';
import { apiKeysCommand } from './commands/api-keys';
import { auditCommand } from './commands/audit';
import { backupCommand } from './commands/backup';
import { claimNationalIdsCommand } from './commands/claim-national-ids';
import { exportCommand } from './commands/export';
import { migrateCommand } from './commands/migrate';
import { rebuildCommand } from './commands/rebuild';
import { replayCommand } from './commands/replay';
import { seedCommand } from './commands/seed';
import { statusCommand } from './commands/status';
import { streamCommand } from './commands/stream';
import { verifyCommand } from './commands/verify';
import type { CliIo, Command } from './context';

export const COMMANDS: readonly Command[] = [
  statusCommand,
  replayCommand,
  rebuildCommand,
  streamCommand,
  verifyCommand,
  backupCommand,
  auditCommand,
  exportCommand,
  seedCommand,
  apiKeysCommand,
  migrateCommand,
  claimNationalIdsCommand,
];

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'crm-cli: replay, rebuild, time travel, audit, export and key administration for the CRM core',
    '',
    'Usage: crm-cli <command> [arguments] [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'The stores come from the same environment as the API: CRM_DATA_DIR (embedded SQLite, default ./data),',
    'CRM_EVENT_STORE, CRM_POSTGRES_URL or DATABASE_URL, CRM_POSTGRES_SCHEMA, CRM_POSTGRES_POOL_SIZE, CRM_READ_STORE, MONGODB_URL.',
    'Exit codes: 0 ok, 1 failure (a failed projection, a broken hash chain, a missing stream), 2 usage or configuration,',
    '3 a national id held by two or more accounts of a tenant (claim-national-ids, seed: merge them),',
    '4 a server runs on the store (seed: stop it, or seed another store).',
    "Run 'crm-cli <command> --help' for a command's arguments and options.",
    '',
  ].join('\n');
}

export function commandHelp(command: Command): string {
  const options = describeOptions({ ...command.options, help: { type: 'boolean', short: 'h', description: 'show this help' } });
  return `Usage: ${command.usage}\n\n${command.summary}.\n\n${command.details}\n\nOptions:\n${options}\n`;
}

/** Runs one command line; never throws: every outcome is an exit code and a message. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(mainHelp());
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const about = COMMANDS.find((c) => c.name === rest[0]);
    io.stdout.write(about ? commandHelp(about) : mainHelp());
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`crm-cli: unknown command ${JSON.stringify(name)}; commands: ${COMMANDS.map((c) => c.name).join(', ')}\n`);
    return EXIT.usage;
  }
  const endOfOptions = rest.indexOf('--');
  const options = endOfOptions === -1 ? rest : rest.slice(0, endOfOptions);
  if (options.includes('--help') || options.includes('-h')) {
    io.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  try {
    return await command.run(parseArgs(rest, command.options), io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`crm-cli ${name}: ${error.message}\nRun 'crm-cli ${name} --help' for usage.\n`);
      return EXIT.usage;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`crm-cli ${name}: ${message}\n`);
    if (io.env['CRM_DEBUG'] && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return EXIT.failure;
  }
}
