import { CommandRequestDto, TextField } from '@crm/shared/http';

export class CancelCampaignRequestDto extends CommandRequestDto {
  @TextField(500, { example: 'تعویق به بعد از تعطیلات نوروز' })
  reason!: string;
}
