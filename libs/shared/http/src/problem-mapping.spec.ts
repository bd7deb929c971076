import { HttpException } from '@nestjs/common';
import {
  AppendOutcomeUnknownError,
  AppendTooLargeError,
  StreamDeletedError,
  ConcurrencyConflictError,
  DomainError,
  IdempotencyConflictError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '@crm/shared/event-sourcing';
import { InvalidValueError, NOT_FOUND, refusals } from '@crm/shared/kernel';
import { NotCaughtUpError, toProblem } from './problem-mapping';
import { RequestValidationError } from './problem-details';

const COMPLAINT = refusals('COMPLAINT', { NOT_ACKNOWLEDGED: [409, 'acknowledge first'] });
const SURVEY = refusals('SURVEY', { SCORE_OUT_OF_RANGE: [400, 'off scale'] });
const LOOKALIKE = refusals('ODD', { NOT_FOUND: [409, 'a rule that happens to be called NOT_FOUND'] });

describe('toProblem', () => {
  const status = (error: unknown) => toProblem(error).body.status;

  it('maps every error the API can meet to its status and code', () => {
    expect(toProblem(new RequestValidationError([{ field: 'a.b', messages: ['bad'] }])).body).toMatchObject({
      status: 400,
      code: 'VALIDATION.FAILED',
      errors: [{ field: 'a.b' }],
    });
    expect(toProblem(new InvalidValueError('PHONE.INVALID', 'not a phone')).body).toMatchObject({ status: 400, code: 'PHONE.INVALID' });
    expect(toProblem(new DomainError(COMPLAINT.NOT_ACKNOWLEDGED, 'first acknowledge', { step: 'assess' })).body).toMatchObject({
      status: 409,
      code: 'COMPLAINT.NOT_ACKNOWLEDGED',
      details: { step: 'assess' },
    });
    expect(status(new DomainError(NOT_FOUND.lead, 'no lead'))).toBe(404);
    expect(toProblem(new DomainError(SURVEY.SCORE_OUT_OF_RANGE, 'off scale', { fields: ['answers.score'] })).body).toMatchObject({
      status: 400,
      code: 'SURVEY.SCORE_OUT_OF_RANGE',
      errors: [{ field: 'answers.score' }],
    });
    // The status is the declaration's, whatever the code looks like: a reference names its field on a 404.
    expect(toProblem(new DomainError(LOOKALIKE.NOT_FOUND, 'not a 404 by name', { fields: ['x'] })).body).toMatchObject({
      status: 409,
      errors: [{ field: 'x' }],
    });
    expect(status(new StreamNotFoundError('lead-1'))).toBe(404);
    expect(toProblem(new WrongExpectedRevisionError('lead-1', '3', 4)).body).toMatchObject({ status: 412, actualRevision: 4 });
    expect(toProblem(new ConcurrencyConflictError('lead-1', 4))).toMatchObject({ body: { status: 409 }, headers: { 'retry-after': '1' } });
    expect(toProblem(new IdempotencyConflictError('c-1')).body).toMatchObject({ status: 422, code: 'IDEMPOTENCY.KEY_REUSED' });
    expect(toProblem(new NotCaughtUpError('pipeline', '42', 2))).toMatchObject({ body: { status: 503 }, headers: { 'retry-after': '2' } });
    expect(toProblem(new AppendTooLargeError(2_000_000, 1_048_576)).body).toMatchObject({
      status: 413,
      code: 'STORE.APPEND_TOO_LARGE',
      details: { limitBytes: 1_048_576, bytes: 2_000_000 },
    });
    expect(toProblem(new AppendOutcomeUnknownError(['lead-1'], new Error('reset')))).toMatchObject({
      body: { status: 503, code: 'STORE.OUTCOME_UNKNOWN' },
      headers: { 'retry-after': '1' },
    });
    // A store busy or out of reach for a moment: 503 to retry, the driver's message not disclosed.
    for (const passing of [
      Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      new Error('Connection terminated unexpectedly'),
    ]) {
      const mapped = toProblem(passing);
      expect(mapped).toMatchObject({ body: { status: 503, code: 'STORE.UNAVAILABLE' }, headers: { 'retry-after': '1' } });
      expect(JSON.stringify(mapped.body)).not.toContain(passing.message);
    }
    expect(toProblem(Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' })).body.status).toBe(500);
    expect(toProblem(new StreamDeletedError('complaint-1')).body).toMatchObject({
      status: 410,
      code: 'STREAM.DELETED',
      streamId: 'complaint-1',
    });
    expect(status(new HttpException('too big', 413))).toBe(413);
    expect(status(Object.assign(new Error('Body is too large'), { statusCode: 413 }))).toBe(413);
  });

  it('never leaks an unexpected error', () => {
    const { body } = toProblem(new Error('password=hunter2 at db.internal'));
    expect(body).toMatchObject({ status: 500, code: 'INTERNAL' });
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });
});
