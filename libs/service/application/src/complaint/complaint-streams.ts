import { Inject, Injectable } from '@nestjs/common';
import { streamIdOf } from '@crm/shared/event-sourcing';
import { CommandExecutor, commandReply, type CommandContext, type CommandReply } from '@crm/shared/http';
import type { ComplaintCommand, ComplaintDecider } from '@crm/service/domain';
import { COMPLAINT_DECIDER } from '../service.tokens';

export function complaintStreamId(complaintId: string): string {
  return streamIdOf('complaint', complaintId);
}

/** What every complaint handler does after building its command; keeps the handlers to the mapping alone. */
@Injectable()
export class ComplaintStreams {
  constructor(
    private readonly executor: CommandExecutor,
    @Inject(COMPLAINT_DECIDER) private readonly decider: ComplaintDecider,
  ) {}

  /**
   * The clock is read once: the instant the command is stamped with (`at`, `receivedAt`)
   * is also its events' `occurredAt`, so the audit trail never shows two times for one step.
   */
  async run(complaintId: string, context: CommandContext, build: (at: string) => ComplaintCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const result = await this.executor.execute(this.decider, complaintStreamId(complaintId), build(now.toISOString()), context, now);
    return commandReply(complaintId, result);
  }

  get store(): CommandExecutor['store'] {
    return this.executor.store;
  }
}
