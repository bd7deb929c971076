import { ApiPropertyOptional } from '@nestjs/swagger';
import { Matches, ValidateIf } from 'class-validator';
import { HEADER_TOKEN_PATTERN, TOKEN_RULE } from './command-context';

/**
 * Every command body may name its own id instead of sending an Idempotency-Key header: the same key, in the same
 * form (API.md: the header "or `commandId` in the body"). A UUID is the command id itself; any other key is read as
 * the header's is (`commandIdOfKey`), so `commandId: "order-42"` and `Idempotency-Key: order-42` name one command.
 */
export abstract class CommandRequestDto {
  @ApiPropertyOptional({
    pattern: HEADER_TOKEN_PATTERN,
    description:
      'Client-chosen command id, as an Idempotency-Key header would carry it (a UUID, or 1–200 ASCII letters, digits or ._:@-): ' +
      'the same id again returns the first reply and appends nothing; the same id with another request is 422.',
  })
  // Absent is absent; null is checked (and refused), not taken for absent.
  @ValidateIf((_, value) => value !== undefined)
  @Matches(new RegExp(HEADER_TOKEN_PATTERN), { message: `commandId must be a UUID or ${TOKEN_RULE}` })
  commandId?: string;
}
