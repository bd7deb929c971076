import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from './problem-details';
import { toProblem } from './problem-mapping';

/** What the request log line says of a problem reply: its code, and the error of an unexpected 500 (with its stack). */
export interface AnsweredProblem {
  readonly code: string;
  readonly error?: unknown;
}

const ANSWERED = new WeakMap<object, AnsweredProblem>();

/** The problem a request was answered with, by its raw request (the request log line reads it: one line per request). */
export function answeredProblem(raw: object): AnsweredProblem | undefined {
  return ANSWERED.get(raw);
}

/** Notes the problem a hook answered with itself (a 401, a 405, a bad query escape), for the request's log line. */
export function noteAnsweredProblem(raw: object, problem: AnsweredProblem): void {
  if (!ANSWERED.has(raw)) ANSWERED.set(raw, problem);
}

/**
 * The single place errors become HTTP responses. Nothing is logged here: the request's one log line (operations'
 * `observeHttp`) carries the problem's code, and for an unexpected 500 the error and its stack. Before, every 5xx was
 * logged twice, and a 503 the service answers by design (a read model not caught up, a store busy) with a stack trace.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { body, headers } = toProblem(error);
    ANSWERED.set(request.raw, { code: body.code, ...(body.status === 500 ? { error } : {}) });
    void reply
      .status(body.status)
      .headers(headers ?? {})
      .type(PROBLEM_CONTENT_TYPE)
      .send({ ...body, instance: request.url });
  }
}
