import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { RouterExecutionContext } from '@nestjs/core/router/router-execution-context';
import { DomainError } from '@crm/shared/event-sourcing';
import { RequestValidationError, type FieldError } from '../problem-details';

type PipesFn = (args: unknown[], req: unknown, res: unknown, next: unknown) => Promise<void>;
type CreatePipesFn = (this: RouterExecutionContext, pipes: unknown[], paramsOptions: unknown[]) => PipesFn | null;

const INSTALLED = Symbol('crm.everyBadPart');

/**
 * One 400 for the whole request. Nest reads a handler's parameters (the path's ids, the command context's headers, the
 * query, the body) each through its own pipes, all at once, and rejects with the first that fails: `POST
 * /activities/not-a-uuid/complete {"outcome":""}` named `id` or `outcome`, whichever failed first. Here every
 * parameter is read to the end; when one or more were refused for their fields (VALIDATION.FAILED), the 400 names
 * the fields of all of them, one entry per field. Any other failure (a 5xx, another kind of 400) is thrown as it was.
 *
 * Nest builds a handler's parameter step once, when its routes are registered (`createPipesFn`); the original is
 * asked for one step per parameter, so the reading of each is Nest's own. Installed once per process, before
 * routes are registered (configureHttpApp).
 */
export function nameEveryBadPart(): void {
  const prototype = RouterExecutionContext.prototype as unknown as { createPipesFn: CreatePipesFn; [INSTALLED]?: true };
  if (prototype[INSTALLED]) return;
  const original = prototype.createPipesFn;
  if (typeof original !== 'function')
    throw new Error('@nestjs/core: RouterExecutionContext.createPipesFn is gone; the request edge cannot name every bad part');
  prototype[INSTALLED] = true;
  prototype.createPipesFn = function (pipes, paramsOptions) {
    const readsQuery = paramsOptions.some((param) => (param as { type?: unknown }).type === RouteParamtypes.QUERY);
    // The probes and /metrics answer on the raw response object: they take any query string (a load balancer's, a scrape's).
    const answersRaw = paramsOptions.some((param) => {
      const type = (param as { type?: unknown }).type;
      return type === RouteParamtypes.RESPONSE || type === RouteParamtypes.REQUEST;
    });
    if (paramsOptions.length === 0 || (paramsOptions.length < 2 && readsQuery)) return original.call(this, pipes, paramsOptions);
    const steps = paramsOptions.map((param) => original.call(this, pipes, [param])).filter((step): step is PipesFn => step !== null);
    return async (args, req, res, next) => {
      const settled = await Promise.allSettled(steps.map((step) => step(args, req, res, next)));
      const failures = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
      if (!readsQuery) failures.push(...unreadQuery(req, answersRaw));
      if (failures.length === 0) return;
      // Alone, a failure is answered as it is (a rule's own code: COMPLAINT.TEXT_REQUIRED); beside others, a 400
      // naming its fields is merged with them.
      if (failures.length === 1 && !(failures[0] instanceof RequestValidationError)) throw failures[0];
      const named = failures.map(fieldsNamedBy);
      const other = failures.find((_, index) => named[index] === undefined);
      if (other !== undefined) throw other;
      throw new RequestValidationError(mergeFields(named.flatMap((errors) => errors ?? [])));
    };
  };
}

/** The fields a failure names, when it is a 400 about fields: the edge's VALIDATION.FAILED, or a rule's refusal naming them. */
function fieldsNamedBy(failure: unknown): readonly FieldError[] | undefined {
  if (failure instanceof RequestValidationError) return failure.code === 'VALIDATION.FAILED' ? failure.errors : undefined;
  if (!(failure instanceof DomainError) || failure.status !== 400) return undefined;
  const fields = failure.details?.['fields'];
  if (!Array.isArray(fields) || fields.length === 0) return undefined;
  return fields.map((field) => ({ field: String(field), messages: [failure.message] }));
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A route that reads no query string: a command reads its body, and a read such as the right of access its path. A
 * parameter there would be silently dropped (a client that put `?dryRun=true` on a command would have it run), so each
 * is named in the 400, as a view names one it does not take. (An outside contract fuzz found `GET
 * /data-subjects/{type}/{id}?zzUnknown=1` answered 200.) A read that answers on the raw response (the probes,
 * `/metrics`) is not asked: it takes any query string (a load balancer or a scrape configuration may add one).
 */
function unreadQuery(req: unknown, answersRaw: boolean): RequestValidationError[] {
  const { method, query } = req as { method?: string; query?: unknown };
  if (method === undefined || method === 'OPTIONS' || (READS.has(method) && answersRaw)) return [];
  if (typeof query !== 'object' || query === null) return [];
  const names = Object.keys(query);
  if (names.length === 0) return [];
  return [new RequestValidationError(names.map((name) => ({ field: name, messages: [`${name}: this route takes no query parameters`] })))];
}

/** One entry per field, in the order first named, with each message once. */
export function mergeFields(errors: readonly FieldError[]): FieldError[] {
  const byField = new Map<string, string[]>();
  for (const { field, messages } of errors) {
    const kept = byField.get(field);
    if (kept === undefined) byField.set(field, [...messages]);
    else for (const message of messages) if (!kept.includes(message)) kept.push(message);
  }
  return [...byField].map(([field, messages]) => ({ field, messages }));
}
