import { CommandRequestDto, IdField, TextField } from '@crm/shared/http';

export class OpenAccountRequestDto extends CommandRequestDto {
  @IdField({ optional: true, description: 'Client-chosen account id; the server makes one otherwise' })
  id?: string;

  @TextField(200, { example: 'شرکت فولاد مبارکه' })
  name!: string;

  @TextField(20, { optional: true, description: 'National id of the legal entity (شناسه ملی); Persian digits accepted' })
  nationalId?: string;

  @TextField(100, { optional: true })
  industry?: string;

  @TextField(100, { optional: true })
  ownerId?: string;
}
