import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { finalize, type Observable } from 'rxjs';
import { MetricsRegistry } from './metrics-registry';

/** Requests and their time per route pattern (not per id, so the label set stays small). */
@Injectable()
export class HttpMetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: MetricsRegistry) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const started = process.hrtime.bigint();
    return next.handle().pipe(
      finalize(() => {
        const reply = http.getResponse<FastifyReply>();
        const labels = { method: request.method, route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) };
        this.metrics.increment('crm_http_requests_total', 'HTTP requests handled', labels);
        this.metrics.increment(
          'crm_http_request_seconds_total',
          'Time spent handling HTTP requests',
          { method: labels.method, route: labels.route },
          Number(process.hrtime.bigint() - started) / 1e9,
        );
      }),
    );
  }
}
