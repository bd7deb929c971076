import { CommandRequestDto, TextField } from '@crm/shared/http';

export class CloseAccountRequestDto extends CommandRequestDto {
  @TextField(500, {
    optional: true,
    description:
      'Why the customer is lost; a closed account counts as churned. Required, unless the account’s personal data is erased ' +
      '(the person’s erasure, POST /data-subjects/erase): then leave it out and the account closes without one, while a reason ' +
      'given is refused (409 PERSONAL_DATA.ERASED, nothing recorded). Left out of an account not erased: 400 ACCOUNT.REASON_REQUIRED naming reason.',
  })
  reason?: string;
}
