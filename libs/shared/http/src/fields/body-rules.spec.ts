import { DomainError } from '@crm/shared/event-sourcing';
import { refusedFields } from '../validation';
import { AlsoChecks, bodyRuleFaults, bodyRuleRefusals } from './body-rules';
import { EnumField, TimeField } from './fields';

const ENDS_BEFORE = { code: 'TEST.END_BEFORE_START', status: 400, description: 'The period ends before it starts' } as const;

@AlsoChecks({
  reads: ['start', 'end'],
  check: ({ start, end }) => {
    if (typeof start === 'string' && typeof end === 'string' && end < start)
      throw new DomainError(ENDS_BEFORE, 'ends before it starts', { fields: ['end'] });
  },
})
class Period {
  @EnumField(['a', 'b'])
  kind!: string;

  @TimeField('date')
  start!: string;

  @TimeField('date')
  end!: string;
}

class LongPeriod extends Period {}

const ONE_UNIT = { code: 'TEST.MIXED_UNITS', status: 400, description: 'Every part in one unit' } as const;

/** A second rule, over every part's unit (`*`: any one step), on a class that inherits the period's. */
@AlsoChecks({
  reads: ['parts.*.size.unit'],
  check: ({ parts }) => {
    const units = new Set((parts as { size: { unit: string } }[]).map((part) => part.size.unit));
    if (units.size > 1) throw new DomainError(ONE_UNIT, 'one unit', { fields: (parts as unknown[]).map((_, i) => `parts.${i}.size.unit`) });
  },
})
class Plan extends Period {
  parts!: unknown;
}

describe("the domain's rules over several fields, at the edge", () => {
  it('are named beside the fields the checks refuse, inherited too; a body the checks pass is left to the decider', async () => {
    expect(await refusedFields(Period, { kind: 'x', start: '2027-02-01', end: '2027-01-01' })).toEqual(['end', 'kind']);
    expect(await refusedFields(LongPeriod, { kind: 'x', start: '2027-02-01', end: '2027-01-01' })).toEqual(['end', 'kind']);
    expect(await refusedFields(Period, { kind: 'a', start: '2027-02-01', end: '2027-01-01' })).toEqual([]);
  });

  it('skip a rule that reads a field the checks refused, and take only 400 domain refusals', () => {
    const body = { kind: 'x', start: '2027-02-01', end: '2027-01-01' };
    expect(bodyRuleFaults(Period, body).map((f) => f.field)).toEqual(['end']);
    expect(bodyRuleFaults(Period, body, new Set(['start']))).toEqual([]);
    expect(bodyRuleFaults(Period, null)).toEqual([]);
  });

  it('name two or more broken rules at the edge even when every field passes; one broken rule is left to the decider', async () => {
    const mixed = [{ size: { unit: 'kg' } }, { size: { unit: 't' } }];
    const both = { kind: 'a', start: '2027-02-01', end: '2027-01-01', parts: mixed };
    expect(bodyRuleRefusals(Plan, both).map((fields) => fields.map((f) => f.field))).toEqual([
      ['parts.0.size.unit', 'parts.1.size.unit'],
      ['end'],
    ]);
    const period = { kind: 'a', start: '2027-01-01', end: '2027-02-01' };
    expect(bodyRuleRefusals(Plan, { ...period, parts: mixed })).toHaveLength(1);
    expect(bodyRuleRefusals(Plan, { ...period, parts: [{ size: { unit: 'kg' } }] })).toEqual([]);
  });

  it('skip a rule when a field it reads through `*` was refused, or one it is within, or one within it', () => {
    const mixed = { kind: 'x', start: '2027-02-01', end: '2027-01-01', parts: [{ size: { unit: 'kg' } }, { size: { unit: 't' } }] };
    const fields = (refused: string[]) => bodyRuleFaults(Plan, mixed, new Set(refused)).map((f) => f.field);
    expect(fields([])).toEqual(['parts.0.size.unit', 'parts.1.size.unit', 'end']);
    for (const refused of ['parts', 'parts.1', 'parts.0.size', 'parts.0.size.unit', 'parts.0.size.unit.x']) {
      expect([refused, fields([refused])]).toEqual([refused, ['end']]);
    }
    // Other fields of a part, or another field named like a part's, leave the rule to speak.
    for (const refused of ['parts.0.name', 'partsList', 'size.unit']) {
      expect([refused, fields([refused])]).toEqual([refused, ['parts.0.size.unit', 'parts.1.size.unit', 'end']]);
    }
  });
});
