import { createParamDecorator, Injectable, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '@crm/shared/event-sourcing';
import { CommandExecutor, principalOf } from '@crm/shared/http';
import { isUuid } from '@crm/shared/kernel';
import { personalDataErased } from '@crm/shared/personal-data';
import { ACCOUNT_REFUSALS } from '@crm/sales/domain';
import { accountStream } from '../../common/streams';

/** What the close route gives the check: the account addressed, the caller's tenant, and whether the body has a reason. */
interface ClosingReason {
  readonly accountId: string;
  readonly tenantId: string;
  readonly given: boolean;
}

/**
 * A closing's reason may be left out only once the account's personal data is erased (CloseAccount): checked as the
 * route reads its parameters, so a reason left out of an account not erased is named in the same 400 as the body's
 * and the path's other bad parts (the request edge merges them), as the complaint steps' texts are
 * (TextsUnlessErasedPipe). Checked in the handler alone, `POST /accounts/not-a-uuid/close {}` named only the id (a review).
 */
@Injectable()
export class ReasonUnlessErasedPipe implements PipeTransform<ClosingReason, Promise<void>> {
  constructor(private readonly executor: CommandExecutor) {}

  async transform({ accountId, tenantId, given }: ClosingReason): Promise<void> {
    if (given) return;
    // The reason is named whatever the id: a malformed one cannot be looked up, and is named by its own check.
    if (isUuid(accountId)) {
      const id = accountId.toLowerCase();
      if (await personalDataErased(this.executor.store, tenantId, accountStream(id))) return;
      // No such account: its 404 (the decider's), not a reason it could not have taken anyway.
      if ((await this.executor.store.streamRevision(accountStream(id), { tenantId })) === undefined) return;
    }
    throw new DomainError(ACCOUNT_REFUSALS.REASON_REQUIRED, "reason is required unless the account's personal data is erased", {
      fields: ['reason'],
    });
  }
}

/** `@ReasonUnlessErased() _reason: void`: the close route's reason, checked against the account's erasure. */
export const ReasonUnlessErased = (): ParameterDecorator =>
  createParamDecorator((_: unknown, execution: ExecutionContext): ClosingReason => {
    const request = execution.switchToHttp().getRequest<FastifyRequest>();
    const body = typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
    const { id } = request.params as { id?: string };
    return { accountId: id ?? '', tenantId: principalOf(request).tenantId, given: body['reason'] !== undefined };
  })(undefined, ReasonUnlessErasedPipe);
