import { AlsoChecks, CommandRequestDto, EnumField, IdField, NestedField, TextField, TimeField } from '@crm/shared/http';
import {
  assertRecordedFact,
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

@AlsoChecks({
  reads: ['respondedAt'],
  check: ({ respondedAt }, now) => {
    if (typeof respondedAt === 'string') assertRecordedFact('respondedAt', respondedAt, now);
  },
})
export class RecordCampaignResponseRequestDto extends CommandRequestDto {
  @NestedField(() => CampaignTargetDto, {
    description:
      "Who responded: a lead, contact or account on file, targeted or not (a forwarded message's reader may answer too; " +
      'the performance view counts such responders apart from the response rate)',
  })
  targetId!: CampaignTargetDto;

  @EnumField(RESPONSE_TYPES, {
    description:
      "`unsubscribe` from a contact also withdraws the contact's consent for the campaign's channel (email, sms, phone; " +
      'print: letter), recorded on the contact in the same append, so later campaigns on that channel no longer reach them ' +
      'until consent is granted again. Channels without consent (social, web, event, in_person, mixed) and leads or accounts: nothing more.',
  })
  responseType!: CampaignResponseType;

  @EnumField(CAMPAIGN_CHANNELS, { optional: true, description: 'How the response came in, when not the campaign channel' })
  channel?: CampaignChannel;

  @TextField(1000, { optional: true, example: 'درخواست تماس برای دریافت پیش‌فاکتور' })
  note?: string;

  @TimeField('instant', {
    optional: true,
    description: 'When the response came in; now when absent. A time later than now (beyond a 5-minute clock skew) is refused (400).',
  })
  respondedAt?: string;
}
