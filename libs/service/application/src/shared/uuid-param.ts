import { Param, ParseUUIDPipe } from '@nestjs/common';
import { RequestValidationError } from '@crm/shared/http';

/** A path id that must be a UUID: 400 problem+json naming the parameter, like any other bad field. */
export function UuidParam(name = 'id'): ParameterDecorator {
  return Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () => new RequestValidationError([{ field: name, messages: [`${name} must be a UUID`] }]),
    }),
  );
}
