import { CommandRequestDto, TextField } from '@crm/shared/http';

export class ProposeSolutionRequestDto extends CommandRequestDto {
  @TextField(4000, { description: 'What we offer to meet the need' })
  solution!: string;
}
