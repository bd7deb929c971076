import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { UsageError } from '../args';
import { tenantOption } from '../identity';
import { type AuditTrail, auditTrail } from '../audit-trail';
import { defineCommand, withStores } from '../context';
import { formatDuration } from '../progress';
import { cellText } from '../table';
import { describeIntegrity, readVerified } from './stream';

const since = (from: string, to: string) => formatDuration((Date.parse(to) - Date.parse(from)) / 1000);

/**
 * What a step says, on its one line (`cellText`): a complainant's or an agent's text may hold line breaks (free text
 * keeps them), and printed as they are, a description could start a line of its own that reads as the report's verdict
 * ("SLA breaches: 0", "Integrity: OK"; an outside probe).
 */
const oneLine = cellText;

function summary(trail: AuditTrail): string {
  const { state } = trail;
  if (state.status === 'none') return 'no complaint was received on this stream';
  const c = state.complaint;
  const parts = [
    state.status === 'closed' ? `closed (${state.closing.outcome})` : `in progress: ${state.status.replace(/_/g, ' ')}`,
    `level ${c.escalationLevel.replace(/_/g, ' ')}`,
    `severity ${c.severity ?? `not assessed (provisional ${c.provisionalSeverity})`}`,
    ...(c.reopenCount > 0 ? [`reopened ${c.reopenCount}×`] : []),
    ...(c.acknowledgedAt ? [`acknowledged after ${since(c.receivedAt, c.acknowledgedAt)}`] : ['not acknowledged']),
    ...(state.status === 'closed' ? [`closed after ${since(c.receivedAt, state.closing.closedAt)}`] : []),
  ];
  return parts.join(', ');
}

export function formatAudit(trail: AuditTrail): string {
  const lines = [`Complaint ${trail.complaintId} (stream ${trail.streamId}): ${trail.steps.length} steps`, ''];
  for (const step of trail.steps) {
    const { id, roles, onBehalfOf } = step.actor;
    const who = `${id}${roles.length > 0 ? ` [${roles.join(', ')}]` : ''}${onBehalfOf === undefined ? '' : ` for ${onBehalfOf}`}`;
    const recorded = step.recordedAt === step.at ? '' : ` (recorded ${step.recordedAt})`;
    const status =
      step.from === undefined || step.from === step.to ? `status ${step.to ?? '?'}` : `status ${step.from} → ${step.to ?? '?'}`;
    const deadlines =
      step.deadlinesChanged && step.deadlines
        ? ` · deadlines: acknowledge by ${step.deadlines.acknowledgeBy}, resolve by ${step.deadlines.resolveBy}`
        : '';
    lines.push(
      `${String(step.revision).padStart(3)}  ${step.at}${recorded}  by ${oneLine(who)}`,
      `     ${oneLine(step.what)}`,
      `     ${status} · level ${(step.level ?? '?').replace(/_/g, ' ')}${deadlines}`,
    );
  }
  const breaches = trail.breaches.map(
    (b) =>
      `${b.milestone} due by ${b.deadline}, ${b.metAt ? `met late at ${b.metAt}` : 'unmet'} (detected ${b.detectedAt})` +
      (b.withdrawnAt ? `, withdrawn at ${b.withdrawnAt}: deadline extended` : ''),
  );
  lines.push('', `SLA breaches: ${breaches.length === 0 ? 'none' : `${breaches.length}\n  ${breaches.join('\n  ')}`}`);
  lines.push(`Now: ${summary(trail)}`);
  lines.push(`Integrity: ${describeIntegrity(trail.integrity)}`);
  return `${lines.join('\n')}\n`;
}

const OPTIONS = {
  json: { type: 'boolean', description: 'print the trail as JSON' },
  tenant: { type: 'string', value: '<id>', description: "the complaint's tenant (default: default)" },
} as const;

export const auditCommand = defineCommand({
  name: 'audit',
  summary: "a complaint's audit trail from its stream, with the integrity verdict",
  usage: 'crm-cli audit <complaintId> [--json] [--tenant <id>]',
  details:
    'Every step in order: when, who, what, status from → to, escalation level, deadlines (when they change)\n' +
    "and SLA breaches, then the complaint's state now and the hash-chain verdict. Computed from the\n" +
    'complaint stream itself, so it works before (or without) any read model.\n' +
    'Exits with 1 when the complaint does not exist or its hash chain is broken.',
  options: OPTIONS,
  run: async (args, io) => {
    const [given, ...extra] = args.positionals;
    if (given === undefined) throw new UsageError('name the complaint id');
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
    const complaintId = given.startsWith('complaint-') ? given.slice('complaint-'.length) : given;
    const streamId = `complaint-${complaintId}`;
    const tenantId = tenantOption(args.options.tenant);
    return withStores(io, async ({ events: store }) => {
      const events: RecordedEvent[] = [];
      await readVerified(store, streamId, tenantId, async (page) => void events.push(...page));
      if (events.length === 0) {
        io.stderr.write(`complaint ${complaintId} not found (no stream ${streamId})\n`);
        return 1;
      }
      if (events[0]?.type !== 'ComplaintReceived') {
        io.stderr.write(`${streamId} does not start with ComplaintReceived: not a complaint's stream\n`);
        return 1;
      }
      const trail = auditTrail(complaintId, streamId, events);
      io.stdout.write(args.options.json ? `${JSON.stringify(trail, null, 2)}\n` : formatAudit(trail));
      return trail.integrity.ok ? 0 : 1;
    });
  },
});
