import { Param, ParseUUIDPipe } from '@nestjs/common';
import { RequestValidationError } from '../problem-details';

/** `{id}` of the addressed aggregate: not a UUID is a bad request naming the field, not a 404. */
export const IdParam = (): ParameterDecorator => UuidParam('id');

/**
 * A path parameter naming a record by UUID: not a UUID is a 400 naming it, and it is read in lower case, as stream
 * ids are stored (case-sensitive): one record must not answer to two spellings, nor be missed under the other.
 */
export const UuidParam = (name: string): ParameterDecorator =>
  Param(
    name,
    new ParseUUIDPipe({ exceptionFactory: () => new RequestValidationError([{ field: name, messages: [`${name} must be a UUID`] }]) }),
    { transform: (value: string) => value.toLowerCase() },
  );
