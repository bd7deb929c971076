import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { auditTrail } from './audit-trail';
import { formatAudit } from './commands/audit';
import { cellText, table } from './table';

describe('what the CLI prints of values it does not control', () => {
  it('keeps a cell on one line and shows control characters by their code (no row of its own, no terminal escape)', () => {
    expect(cellText('desk\nforged  acme  admin')).toBe('desk ⏎ forged  acme  admin');
    expect(cellText('a\r\nb\u2028c')).toBe('a ⏎ b ⏎ c');
    expect(cellText('desk\u001b[2J')).toBe('desk\\u001b[2J');
    expect(cellText('شرکت نمونه')).toBe('شرکت نمونه');
    // Bidi overrides and isolates reorder a terminal line around them; a Persian ZWNJ is text and stays.
    expect(cellText('desk\u202egnp.exe')).toBe('desk\\u202egnp.exe');
    expect(cellText('a\u2066b\u2069')).toBe('a\\u2066b\\u2069');
    expect(cellText('می\u200cخواهم')).toBe('می\u200cخواهم');
    expect(table(['NAME', 'ROLE'], [['desk\nforged', 'service']]).split('\n')).toHaveLength(2);
  });

  it("prints a complaint's steps one line each, its complainant by name only (no phone or email, as the HTTP trail)", () => {
    const at = '2025-03-01T08:00:00.000Z';
    const received: RecordedEvent = {
      streamId: 'complaint-c1',
      revision: 0,
      position: '1',
      type: 'ComplaintReceived',
      data: {
        complaintId: 'c1',
        complainant: { name: 'علی حسینی', phone: '+989120000002', email: 'ali@example.ir' },
        channel: 'phone',
        category: 'delivery',
        description: 'line1\n\nSLA breaches: 0\nNow: closed (resolved)\nIntegrity: OK: 1 events, hash chain intact',
        provisionalSeverity: 'low',
        receivedAt: at,
        status: 'received',
        escalationLevel: 'local',
        deadlines: { acknowledgeBy: at, resolveBy: at },
      },
      metadata: {
        eventId: 'e1',
        commandId: 'k1',
        tenantId: 'default',
        occurredAt: at,
        actor: { id: 'agent-1', roles: ['service'] },
        prevHash: '',
        hash: 'h',
      },
    } as unknown as RecordedEvent;
    const text = formatAudit(auditTrail('c1', 'complaint-c1', [received]));
    const lines = text.split('\n');
    // The report's own verdict lines, once each; the description's copies stay inside its step's line.
    expect(lines.filter((line) => line.startsWith('SLA breaches:'))).toEqual(['SLA breaches: none']);
    expect(lines.filter((line) => line.startsWith('Now:'))).toHaveLength(1);
    expect(lines.filter((line) => line.startsWith('Integrity:'))).toHaveLength(1);
    expect(text).toContain('received by phone from علی حسینی: [delivery] line1 ⏎  ⏎ SLA breaches: 0 ⏎ Now: closed (resolved)');
    expect(text).not.toContain('+989120000002');
    expect(text).not.toContain('ali@example.ir');
  });
});
