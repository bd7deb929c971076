import { CommandRequestDto } from '@crm/shared/http';

/** Completing needs no fields; late costs and responses are still accepted afterwards. */
export class CompleteCampaignRequestDto extends CommandRequestDto {}
