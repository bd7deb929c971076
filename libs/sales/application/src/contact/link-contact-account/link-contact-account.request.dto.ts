import { CommandRequestDto, IdField } from '@crm/shared/http';

export class LinkContactAccountRequestDto extends CommandRequestDto {
  @IdField({ description: 'The account the person belongs to from now on' })
  accountId!: string;
}
