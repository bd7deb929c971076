import { CommandRequestDto } from '@crm/shared/http';
import { TextField } from '../../common/fields';

export class ProposeSolutionRequestDto extends CommandRequestDto {
  @TextField(4000, { description: 'What we offer to meet the need' })
  solution!: string;
}
