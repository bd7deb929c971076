import { CommandRequestDto } from '@crm/shared/http';

/** Issuing needs no fields: the draft revision is what is sent to the customer. */
export class IssueQuoteRequestDto extends CommandRequestDto {}
