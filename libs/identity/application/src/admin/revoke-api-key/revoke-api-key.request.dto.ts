import { CommandRequestDto, TextField } from '@crm/shared/http';

export class RevokeApiKeyRequestDto extends CommandRequestDto {
  @TextField(500, { optional: true, example: 'leaked in a CI log' })
  reason?: string;
}
