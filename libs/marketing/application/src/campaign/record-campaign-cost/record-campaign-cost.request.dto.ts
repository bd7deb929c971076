import { AlsoChecks, CommandRequestDto, NestedField, TextField, TimeField } from '@crm/shared/http';
import { assertCostPositive, assertRecordedFact } from '@crm/marketing/domain';
import { CostAmountDto } from './cost-amount.dto';

@AlsoChecks(
  {
    reads: ['incurredAt'],
    check: ({ incurredAt }, now) => {
      if (typeof incurredAt === 'string') assertRecordedFact('incurredAt', incurredAt, now);
    },
  },
  {
    reads: ['amount.amount'],
    check: ({ amount }) => {
      const minorUnits = (amount as { amount?: unknown } | undefined)?.amount;
      if (typeof minorUnits === 'number') assertCostPositive(minorUnits);
    },
  },
)
export class RecordCampaignCostRequestDto extends CommandRequestDto {
  @NestedField(() => CostAmountDto, {
    description: "More than zero, in the budget's currency: without `currency`, the budget's currency is meant",
  })
  amount!: CostAmountDto;

  @TextField(500, { optional: true, example: 'هزینه ارسال ۵۰ هزار پیامک' })
  description?: string;

  @TimeField('instant', {
    optional: true,
    description:
      'When the cost was incurred; now when absent. Late invoices are welcome; a time later than now (beyond a 5-minute clock skew) is refused (400).',
  })
  incurredAt?: string;
}
