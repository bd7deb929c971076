import { CommandRequestDto } from '@crm/shared/http';

/** Starting needs no fields: the campaign starts now, at the server's clock. */
export class StartCampaignRequestDto extends CommandRequestDto {}
