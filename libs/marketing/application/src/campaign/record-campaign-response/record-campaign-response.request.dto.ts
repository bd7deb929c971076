import { CommandRequestDto, EnumField, IdField, NestedField, TextField, TimeField } from '@crm/shared/http';
import {
  CAMPAIGN_CHANNELS,
  RESPONSE_TYPES,
  type CampaignChannel,
  type CampaignResponseType,
  type CampaignTarget,
} from '@crm/marketing/domain';

export class CampaignTargetDto {
  @EnumField(['lead', 'contact', 'account'])
  type!: CampaignTarget['type'];

  @IdField()
  id!: string;
}

export class RecordCampaignResponseRequestDto extends CommandRequestDto {
  @NestedField(() => CampaignTargetDto, { description: 'Who responded: a lead, contact or account on file' })
  targetId!: CampaignTargetDto;

  @EnumField(RESPONSE_TYPES)
  responseType!: CampaignResponseType;

  @EnumField(CAMPAIGN_CHANNELS, { optional: true, description: 'How the response came in, when not the campaign channel' })
  channel?: CampaignChannel;

  @TextField(1000, { optional: true, example: 'درخواست تماس برای دریافت پیش‌فاکتور' })
  note?: string;

  @TimeField('instant', { optional: true, description: 'When the response came in; now when absent' })
  respondedAt?: string;
}
