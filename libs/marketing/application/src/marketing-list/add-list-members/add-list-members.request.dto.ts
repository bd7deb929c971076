import { CommandRequestDto } from '@crm/shared/http';
import { MAX_MEMBER_IDS_PER_COMMAND } from '@crm/marketing/domain';
import { IdListField } from '../../common/id-list-field';

export class AddListMembersRequestDto extends CommandRequestDto {
  @IdListField(MAX_MEMBER_IDS_PER_COMMAND, {
    description: "Ids of records of the list's member type; every one must exist. Repeats and current members are ignored.",
  })
  memberIds!: string[];
}
