import { CommandRequestDto, TextField } from '@crm/shared/http';

/** Any of the fields; what is absent (or blank) stays as it is. */
export class UpdateAccountRequestDto extends CommandRequestDto {
  @TextField(200, { optional: true })
  name?: string;

  @TextField(20, { optional: true })
  nationalId?: string;

  @TextField(100, { optional: true })
  industry?: string;

  @TextField(100, { optional: true })
  ownerId?: string;
}
