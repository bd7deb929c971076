import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { PipesConsumer } from '@nestjs/core/pipes/pipes-consumer';
import { RouterExecutionContext } from '@nestjs/core/router/router-execution-context';
import { RequestValidationError, type FieldError } from '../problem-details';
import { mergeFields, nameEveryBadPart } from './every-bad-part';

type Step = (args: unknown[], req: unknown, res: unknown, next: unknown) => Promise<void>;

/** A router context with Nest's own pipe consumer: the step built for a handler's parameters, as at route registration. */
function stepFor(params: { extract: () => unknown; pipe?: PipeTransform; type?: RouteParamtypes }[]): Step {
  nameEveryBadPart();
  const context = Object.assign(Object.create(RouterExecutionContext.prototype) as RouterExecutionContext, {
    pipesConsumer: new PipesConsumer(),
  });
  const options = params.map(({ extract, pipe, type }, index) => ({
    index,
    extractValue: extract,
    type: type ?? RouteParamtypes.BODY,
    data: undefined,
    metatype: Object,
    pipes: pipe ? [pipe] : [],
  }));
  return (context as unknown as { createPipesFn(pipes: PipeTransform[], options: unknown[]): Step }).createPipesFn([], options);
}

const refuse = (...errors: FieldError[]): PipeTransform => ({
  transform: () => Promise.reject(new RequestValidationError(errors)),
});
const keep: PipeTransform = { transform: (value: unknown) => `kept ${String(value)}` };

async function failureOf(step: Step, args: unknown[] = []): Promise<unknown> {
  return step(args, {}, {}, undefined).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('one 400 for every bad part of a request', () => {
  it("names the fields of every parameter refused, in the parameters' order, each field once", async () => {
    const step = stepFor([
      { extract: () => 'not-a-uuid', pipe: refuse({ field: 'id', messages: ['id must be a UUID'] }), type: RouteParamtypes.PARAM },
      {
        extract: () => ({}),
        pipe: refuse({ field: 'outcome', messages: ['outcome must not be blank'] }, { field: 'commandId', messages: ['a'] }),
      },
      {
        extract: () => {
          throw new RequestValidationError([
            { field: 'header.If-Match', messages: ['weak'] },
            { field: 'commandId', messages: ['a', 'b'] },
          ]);
        },
      },
    ]);
    const failure = await failureOf(step);
    expect(failure).toBeInstanceOf(RequestValidationError);
    expect((failure as RequestValidationError).code).toBe('VALIDATION.FAILED');
    expect((failure as RequestValidationError).errors).toEqual([
      { field: 'id', messages: ['id must be a UUID'] },
      { field: 'outcome', messages: ['outcome must not be blank'] },
      { field: 'commandId', messages: ['a', 'b'] },
      { field: 'header.If-Match', messages: ['weak'] },
    ]);
  });

  it('throws any other failure as it is, even when fields were refused too', async () => {
    const other = new BadRequestException('not ours');
    const step = stepFor([
      { extract: () => 'x', pipe: refuse({ field: 'id', messages: ['id must be a UUID'] }) },
      { extract: () => 'y', pipe: { transform: () => Promise.reject(other) } },
    ]);
    expect(await failureOf(step)).toBe(other);
    const malformed = new RequestValidationError([{ field: 'body', messages: ['bad JSON'] }], 'REQUEST.MALFORMED_JSON');
    const withMalformed = stepFor([
      { extract: () => 'x', pipe: refuse({ field: 'id', messages: ['id must be a UUID'] }) },
      { extract: () => 'y', pipe: { transform: () => Promise.reject(malformed) } },
    ]);
    expect(await failureOf(withMalformed)).toBe(malformed);
  });

  it("hands every parameter's value to the handler when none is refused, read through its own pipes", async () => {
    const args: unknown[] = [null, null];
    const step = stepFor([
      { extract: () => 'a', pipe: keep },
      { extract: () => 'b', type: 'custom' as unknown as RouteParamtypes },
    ]);
    expect(await failureOf(step, args)).toBeUndefined();
    expect(args).toEqual(['kept a', 'b']);
  });

  it('merges fields named twice into one entry, messages once each', () => {
    expect(
      mergeFields([
        { field: 'a', messages: ['x'] },
        { field: 'b', messages: ['y'] },
        { field: 'a', messages: ['x', 'z'] },
      ]),
    ).toEqual([
      { field: 'a', messages: ['x', 'z'] },
      { field: 'b', messages: ['y'] },
    ]);
  });
});
