import { Param, ParseUUIDPipe } from '@nestjs/common';
import { RequestValidationError } from '../problem-details';

/** `{id}` of the addressed aggregate: not a UUID is a bad request naming the field, not a 404. */
export const IdParam = (): ParameterDecorator =>
  Param(
    'id',
    new ParseUUIDPipe({ exceptionFactory: () => new RequestValidationError([{ field: 'id', messages: ['id must be a UUID'] }]) }),
    // Stream ids are case-sensitive; one aggregate must not answer to two spellings.
    { transform: (value: string) => value.toLowerCase() },
  );
