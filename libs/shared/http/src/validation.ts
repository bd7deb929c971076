import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { RequestValidationError, type FieldError } from './problem-details';

/** Flattens class-validator's tree into one entry per bad field, with dotted paths. */
export function flattenValidationErrors(errors: readonly ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own: FieldError[] = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/**
 * Shape at the edge (STYLE.md 5): unknown fields are refused, not silently dropped,
 * and every bad field is reported at once.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    stopAtFirstError: false,
    exceptionFactory: (errors) => new RequestValidationError(flattenValidationErrors(errors)),
  });
}

/** The fields a request body would be refused for, sorted; [] when it passes. What DTO specs assert on, without an HTTP server. */
export async function refusedFields(metatype: new () => object, body: unknown): Promise<string[]> {
  try {
    await createValidationPipe().transform(body, { type: 'body', metatype });
    return [];
  } catch (error) {
    if (!(error instanceof RequestValidationError)) throw error;
    return error.errors.map((e) => e.field).sort();
  }
}
