import { CommandRequestDto, TextField } from '@crm/shared/http';

/** Any of the fields; what is absent stays as it is. A field given blank is refused (API.md): nothing is cleared this way. */
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
