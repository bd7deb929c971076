import { CommandRequestDto } from '@crm/shared/http';
import { MAX_MEMBER_IDS_PER_COMMAND } from '@crm/marketing/domain';
import { IdListField } from '../../common/id-list-field';

export class RemoveListMembersRequestDto extends CommandRequestDto {
  @IdListField(MAX_MEMBER_IDS_PER_COMMAND, { description: 'Ids to take off the list; ids that are not members are ignored.' })
  memberIds!: string[];
}
