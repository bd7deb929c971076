import { DomainError } from '@crm/shared/event-sourcing';
import { refusedFields } from '../validation';
import { AlsoChecks, bodyRuleFaults } from './body-rules';
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
});
