import { createParamDecorator, Injectable, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { principalOf } from '@crm/shared/http';
import { isUuid } from '@crm/shared/kernel';
import { ComplaintStreams } from './complaint-streams';

/** What a step's route gives the check: the complaint addressed, the caller's tenant and which texts the body has. */
interface StepTexts {
  readonly complaintId: string;
  readonly tenantId: string;
  readonly texts: Readonly<Record<string, unknown>>;
}

/**
 * The texts a step may leave out only once the complaint's personal data is erased, checked as the route reads its
 * parameters: a text left out of a complaint not erased is then named in the same 400 as the body's other bad fields
 * (the request edge, every-bad-part.ts, merges them), or alone as 400 COMPLAINT.TEXT_REQUIRED. Before, the check was
 * made only once the body passed, so `communicate-decision {}` named `channel`, and only the next attempt `decision`.
 */
@Injectable()
export class TextsUnlessErasedPipe implements PipeTransform<StepTexts, Promise<void>> {
  constructor(private readonly complaints: ComplaintStreams) {}

  async transform({ complaintId, tenantId, texts }: StepTexts): Promise<void> {
    // A malformed id is named by its own check; the complaint cannot be looked up.
    if (!isUuid(complaintId)) return;
    await this.complaints.erasedIfLeftOut(complaintId.toLowerCase(), { tenantId }, texts);
  }
}

/** `@TextsUnlessErased('decision') _texts: void`: the route's step texts, checked against the complaint's erasure. */
export const TextsUnlessErased = (...fields: string[]): ParameterDecorator =>
  createParamDecorator((names: readonly string[], execution: ExecutionContext): StepTexts => {
    const request = execution.switchToHttp().getRequest<FastifyRequest>();
    const body: Readonly<Record<string, unknown>> =
      typeof request.body === 'object' && request.body !== null && !Array.isArray(request.body)
        ? (request.body as Record<string, unknown>)
        : {};
    const { id } = request.params as { id?: string };
    return {
      complaintId: id ?? '',
      tenantId: principalOf(request).tenantId,
      texts: Object.fromEntries(names.map((name) => [name, body[name]])),
    };
  })(fields, TextsUnlessErasedPipe);
