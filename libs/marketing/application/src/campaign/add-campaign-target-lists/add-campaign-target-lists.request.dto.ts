import { CommandRequestDto } from '@crm/shared/http';
import { IdListField } from '../../common/id-list-field';

/** A campaign aims at a handful of lists, not hundreds; more is almost certainly a client bug. */
export const MAX_TARGET_LISTS_PER_COMMAND = 100;

export class AddCampaignTargetListsRequestDto extends CommandRequestDto {
  @IdListField(MAX_TARGET_LISTS_PER_COMMAND, {
    description: 'Marketing lists to target; every one must exist. Lists already targeted are ignored.',
  })
  listIds!: string[];
}
