import { CommandRequestDto, TextField } from '@crm/shared/http';
import { MAX } from '../../shared/vocabulary';

/** The earlier response did not settle the matter; the resolution clock restarts. */
export class ReopenComplaintRequestDto extends CommandRequestDto {
  @TextField(MAX.short)
  reason!: string;
}
