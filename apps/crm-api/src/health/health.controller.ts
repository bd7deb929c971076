import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE } from '@crm/shared/http';
import type { EventStore } from '@crm/shared/event-sourcing';
import { APP_CONFIG } from '../storage/storage.module';
import type { AppConfig } from '../config/app-config';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('health')
  @ApiOperation({ summary: 'Liveness and readiness: the event store answers' })
  async health(): Promise<{ status: 'ok'; eventStore: { kind: string; headPosition: string | null } }> {
    // Reading the head proves the store is reachable.
    const head = await this.store.headPosition().catch((error: unknown) => {
      throw new ServiceUnavailableException(`event store unreachable: ${error instanceof Error ? error.message : String(error)}`);
    });
    return { status: 'ok', eventStore: { kind: this.config.eventStore, headPosition: head ?? null } };
  }
}
