import { CommandRequestDto } from '@crm/shared/http';
import { IdField } from '../../common/fields';

export class LinkContactAccountRequestDto extends CommandRequestDto {
  @IdField({ description: 'The account the person belongs to from now on' })
  accountId!: string;
}
