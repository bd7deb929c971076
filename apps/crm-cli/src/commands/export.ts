import { UsageError } from '../args';
import { tenantScope } from '../identity';
import { configOf, defineCommand, openFileOutput, refuseDataPath, withStores, writeOut } from '../context';
import { checkExportFilter, exportEvents, type ExportFilter } from '../event-export';
import { parseInstant } from '../instants';
import { formatCount, formatDuration, ProgressLine } from '../progress';

const OPTIONS = {
  type: { type: 'string', multiple: true, value: '<EventType>', description: 'only events of this type' },
  category: {
    type: 'string',
    multiple: true,
    value: '<category>',
    description: 'only streams of this category (lead, complaint, survey-response…)',
  },
  from: {
    type: 'string',
    value: '<ISO>',
    description: 'only events recorded in the log at or after this date / date-time (when written, not the date the fact names)',
  },
  to: {
    type: 'string',
    value: '<ISO>',
    description:
      'only events recorded in the log before this date-time (a date alone: through that business day, Asia/Tehran unless CRM_BUSINESS_TIME_ZONE says otherwise); a purchase or answer entered late is recorded when entered',
  },
  tenant: { type: 'string', value: '<id>', description: "this tenant's events (default: default)" },
  'all-tenants': { type: 'boolean', description: "every tenant's events (an operator's export of the whole log)" },
  out: {
    type: 'string',
    short: 'o',
    value: '<file>',
    description: 'write to this new file instead of stdout, readable by you alone (mode 0600)',
  },
  force: { type: 'boolean', description: 'with --out: overwrite the file if it exists (still leaving it mode 0600)' },
} as const;

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'events as NDJSON, one envelope per line, filtered by type, category and time',
  usage:
    'crm-cli export events [--type T]... [--category C]... [--from ISO] [--to ISO] [--tenant ID | --all-tenants] [--out file [--force]]',
  details:
    'Streams the log in $all order, up to its head when the export starts, one JSON envelope per line:\n' +
    '{ streamId, type, data, revision, position, metadata }. Several --type (or --category) values mean any\n' +
    'of them; filters combine with AND. One tenant at a time unless --all-tenants says otherwise.\n' +
    'A type or category no code writes is refused, with the known ones listed.\n' +
    'The events hold personal data in the clear (names, phones): --out makes the file readable and writable\n' +
    'by you alone (0600), and refuses a file that exists unless --force, a directory that does not exist, and a\n' +
    'path in the data directory (links followed).\n' +
    'Memory stays constant however many events there are.\n' +
    'Each envelope keeps the stored hash: `crm-cli verify --against <file>` later shows whether the log still\n' +
    'holds every stream of the file as exported (none cut short, deleted or rewritten).',
  options: OPTIONS,
  run: async (args, io) => {
    const [what, ...extra] = args.positionals;
    if (what !== 'events')
      throw new UsageError(what === undefined ? 'say what to export: events' : `cannot export ${what}; try: export events`);
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
    const { type, category, from, to, tenant, out, force } = args.options;
    if (force && out === undefined) throw new UsageError('--force goes with --out');
    const tenantId = tenantScope(tenant, args.options['all-tenants']);
    const filter: ExportFilter = {
      types: type,
      categories: category,
      ...(from === undefined ? {} : { from: parseInstant(from, 'start', '--from') }),
      ...(to === undefined ? {} : { to: parseInstant(to, 'end', '--to') }),
      ...(tenantId === undefined ? {} : { tenantId }),
    };
    if (filter.from !== undefined && filter.to !== undefined && filter.from >= filter.to)
      throw new UsageError('--from must be before --to');
    checkExportFilter(filter);
    // Not over the log being read, nor beside it: the file named, links followed, must be outside the data directory.
    if (out !== undefined) refuseDataPath(out, '--out', configOf(io), io.env);
    return withStores(io, async ({ events }) => {
      const file = out === undefined ? undefined : openFileOutput(out, { overwrite: force });
      // Ctrl-C (or SIGTERM) ends the writing: the export fails and its part written goes, rather than staying for a
      // second Ctrl-C to leave behind.
      void io.interrupted.then(() =>
        (file?.output as { destroy?: (error: Error) => void } | undefined)?.destroy?.(new Error('interrupted')),
      );
      const sink = file?.output ?? io.stdout;
      // A progress line only with --out: without it, stdout is the data and a line on stderr would interleave with it.
      const line = new ProgressLine(io.stderr, 'export');
      try {
        const result = await exportEvents(
          events,
          filter,
          (text) => writeOut(sink, text),
          (done, total) => {
            if (file && done !== undefined) line.update(done, total);
          },
        );
        await file?.close();
        const where = out ?? 'stdout';
        const took = formatDuration(line.elapsedMs / 1000);
        const summary = `exported ${formatCount(result.exported)} events to ${where} in ${took} (up to position ${result.head ?? 'none'})`;
        if (file) line.finish(summary);
        else io.stderr.write(`${summary}\n`);
        return 0;
      } catch (error) {
        if (file) {
          await file.abort();
          line.finish(`export failed: nothing written to ${out as string} (the part written was removed)`);
        }
        throw error;
      }
    });
  },
});
