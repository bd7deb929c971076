import {
  AlsoChecks,
  CommandRequestDto,
  EnumField,
  IdField,
  LineField,
  MoneyDto,
  NestedField,
  TextField,
  TimeField,
} from '@crm/shared/http';
import {
  CAMPAIGN_CHANNELS,
  CAMPAIGN_GOALS,
  type CampaignChannel,
  type CampaignGoal,
  assertCampaignName,
  assertCampaignPeriod,
} from '@crm/marketing/domain';

@AlsoChecks(
  {
    reads: ['startDate', 'endDate'],
    check: ({ startDate, endDate }) => {
      if (typeof startDate === 'string' && typeof endDate === 'string') assertCampaignPeriod(startDate, endDate);
    },
  },
  {
    reads: ['name'],
    check: ({ name }) => {
      if (typeof name === 'string') assertCampaignName(name);
    },
  },
)
export class PlanCampaignRequestDto extends CommandRequestDto {
  @IdField({ optional: true, description: 'Client-chosen campaign id; the server makes one otherwise' })
  id?: string;

  @LineField(200, { example: 'کمپین نوروز ۱۴۰۵' })
  name!: string;

  @EnumField(CAMPAIGN_GOALS)
  goal!: CampaignGoal;

  @EnumField(CAMPAIGN_CHANNELS)
  channel!: CampaignChannel;

  @NestedField(() => MoneyDto, { description: 'Costs are recorded in this currency' })
  budget!: MoneyDto;

  @TimeField('date', { example: '2026-03-15' })
  startDate!: string;

  @TimeField('date', { example: '2026-04-05', description: 'Not before startDate' })
  endDate!: string;

  @TextField(2000, { optional: true })
  description?: string;

  @LineField(100, { optional: true })
  ownerId?: string;
}
