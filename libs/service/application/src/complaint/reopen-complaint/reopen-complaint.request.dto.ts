import { CommandRequestDto, TextField } from '@crm/shared/http';
import { MAX } from '../../shared/vocabulary';
import { LEFT_OUT_ONCE_ERASED } from '../erased-complaint-texts';

/** The earlier response did not settle the matter; the resolution clock restarts. */
export class ReopenComplaintRequestDto extends CommandRequestDto {
  @TextField(MAX.short, {
    optional: true,
    example: 'کالای جایگزین هم معیوب بود',
    description: `Why the earlier response did not settle the matter. ${LEFT_OUT_ONCE_ERASED}`,
  })
  reason?: string;
}
