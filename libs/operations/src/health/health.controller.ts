import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { AUTH_OFF_WARNING } from '@crm/identity/application';
import { OPERATIONS_OPTIONS, type OperationsOptions } from '../operations-options';
import { ShutdownState } from '../shutdown/shutdown-state';
import { HEALTH_CHECK_SCHEMA, HEALTH_DETAILS_SCHEMA } from './health.schemas';
import { OperationsHealth, withinTimeout } from './operations-health';
import { ProjectionViews } from './projection-views';

/**
 * The projections' states (with each one's lag, a read of the log each) may take longer than a store's round trip on a
 * busy store: a bound of their own, still one a probe waits out (the stores' checks run meanwhile). A store found down
 * ends the wait: the answer is 503 then, within the stores' own bound (2 s).
 */
const PROJECTIONS_TIMEOUT_MS = 5_000;

/**
 * Readiness is anonymous and outside the rate limit (a probe must never be refused 429): concurrent probes share the
 * check in flight, and its answer serves the probes of the next second, so probing cannot load the stores.
 */
const READY_REUSE_MS = 1_000;

interface Answer {
  readonly unavailable: boolean;
  readonly result: HealthCheckResult;
}

/** Terminus answers 503 by throwing; a probe wants the same body either way. */
async function answerOf(check: Promise<HealthCheckResult>): Promise<Answer> {
  try {
    return { unavailable: false, result: await check };
  } catch (error) {
    if (!(error instanceof ServiceUnavailableException)) throw error;
    return { unavailable: true, result: error.getResponse() as HealthCheckResult };
  }
}

async function settle(reply: FastifyReply, check: Promise<HealthCheckResult>): Promise<HealthCheckResult> {
  const { unavailable, result } = await answerOf(check);
  if (unavailable) void reply.status(503);
  return result;
}

const STORE_NAMES = { eventStore: 'the event store', readStore: 'the read store' } as const;

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly checks: OperationsHealth,
    private readonly projections: ProjectionViews,
    private readonly shutdown: ShutdownState,
    @Inject(OPERATIONS_OPTIONS) private readonly options: OperationsOptions,
  ) {}

  /** The readiness check in flight or answered within READY_REUSE_MS, and whether the process was draining then. */
  private readiness: { readonly answer: Promise<Answer>; readonly draining: boolean; settledAt?: number } | undefined;

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers (anonymous). Restart it only when this fails.' })
  @ApiResponse({ status: 200, description: 'The process answers', schema: HEALTH_CHECK_SCHEMA })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @ApiOperation({
    summary:
      'Readiness (anonymous): event store and read store reachable, the projections run here not failed and within ' +
      'CRM_READY_MAX_LAG_SECONDS of the head, not shutting down; 200 or 503',
  })
  @ApiResponse({ status: 200, description: 'Ready to serve', schema: HEALTH_CHECK_SCHEMA })
  @ApiResponse({ status: 503, description: 'Not ready: the failing checks are under error', schema: HEALTH_CHECK_SCHEMA })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    const { unavailable, result } = await this.readyAnswer();
    if (unavailable) void reply.status(503);
    return result;
  }

  /** One check for the probes that come together, reused briefly; a shutdown begun since is never hidden by it. */
  private readyAnswer(): Promise<Answer> {
    const draining = this.shutdown.draining;
    const last = this.readiness;
    const fresh = last?.settledAt === undefined || performance.now() - last.settledAt < READY_REUSE_MS;
    if (last && last.draining === draining && fresh) return last.answer;
    const entry: { answer: Promise<Answer>; draining: boolean; settledAt?: number } = { answer: this.checkReadiness(), draining };
    this.readiness = entry;
    entry.answer.then(
      () => (entry.settledAt = performance.now()),
      // A check that failed unexpectedly is not kept: the next probe checks again.
      () => this.readiness === entry && (this.readiness = undefined),
    );
    return entry.answer;
  }

  private async checkReadiness(): Promise<Answer> {
    // Anonymous: not the log's head position, which counts every tenant's writes (`/health`, for operators, has it).
    const stores = this.storeChecks({ headPosition: false });
    const { views, unavailable } = await this.views(stores);
    return answerOf(this.health.check(this.indicators(views, unavailable, stores)));
  }

  @Get()
  @ApiOperation({
    summary:
      'Details for operators: the readiness checks, each store, and every projection (run here or by crm-projector) ' +
      'with its position, lag in events and seconds, and any error; 200 or 503 as readiness; status "degraded" (200) ' +
      'when a projection run elsewhere has failed, is run by no process or was never built',
  })
  @ApiResponse({
    status: 200,
    description:
      'Ready, with the details: status "ok", or "degraded" when a projection run by another process has failed, is run ' +
      'by no process or was never built (said in warnings)',
    schema: HEALTH_DETAILS_SCHEMA,
  })
  @ApiResponse({ status: 503, description: 'Not ready, with the details', schema: HEALTH_DETAILS_SCHEMA })
  async details(@Res({ passthrough: true }) reply: FastifyReply) {
    const stores = this.storeChecks({ headPosition: true });
    const { views, unavailable } = await this.views(stores);
    const result = await settle(reply, this.health.check(this.indicators(views, unavailable, stores)));
    const eventStore = result.details['eventStore'];
    // Unreadable, the projections are said so, not taken for "none built".
    const projectionWarnings =
      unavailable !== undefined
        ? [`The projections' states could not be read: ${unavailable}`]
        : await withinTimeout(this.projections.warnings(views), 'the projections').catch(() => []);
    return {
      ...result,
      // Ready, but some projection run elsewhere has failed, is run by no process, or was never built: readiness does not
      // judge those (this process serves its commands and the views as they are), the status and the warnings say it.
      status: result.status === 'ok' && projectionWarnings.length > 0 ? ('degraded' as const) : result.status,
      service: this.options.service,
      eventStore: {
        kind: this.options.config.eventStore,
        headPosition: eventStore?.status === 'up' ? (eventStore['headPosition'] ?? null) : null,
      },
      readStore: { kind: this.options.config.readStore },
      projectionsRunHere: this.projections.ownsProjections,
      projections: views,
      ...this.warnings(projectionWarnings),
    };
  }

  private warnings(projectionWarnings: readonly string[]): { warnings?: string[] } {
    const warnings = [...(this.options.config.auth.enabled ? [] : [AUTH_OFF_WARNING]), ...projectionWarnings];
    return warnings.length > 0 ? { warnings } : {};
  }

  /**
   * The projections' views, or why they cannot be had (the runner's thread is down, being restarted; the read store,
   * where the states of projections run elsewhere are read, does not answer in time: a probe must get its answer), or
   * not read at all when a store is found down first: the answer is 503 then, and it does not wait for the projections'
   * longer bound (their states are read from the stores that do not answer).
   */
  private views(
    stores: ReturnType<HealthController['storeChecks']>,
  ): Promise<{ views: Awaited<ReturnType<ProjectionViews['list']>>; unavailable?: string }> {
    const listed = withinTimeout(this.projections.list(), 'the projections', PROJECTIONS_TIMEOUT_MS).then(
      (views) => ({ views }),
      (error: unknown) => ({ views: [], unavailable: error instanceof Error ? error.message : String(error) }),
    );
    const storeDown = new Promise<{ views: []; unavailable: string }>((resolve) => {
      for (const [key, check] of Object.entries(stores) as [keyof typeof STORE_NAMES, Promise<Record<string, { status: string }>>][]) {
        void check.then((result) => {
          if (result[key]?.status === 'down')
            resolve({ views: [], unavailable: `not read: ${STORE_NAMES[key]} is down or does not answer` });
        });
      }
    });
    return Promise.race([listed, storeDown]);
  }

  /** The stores' checks, started at once: they run while the projections' states are read (each has its own bound). */
  private storeChecks({ headPosition }: { readonly headPosition: boolean }) {
    const eventStore = this.checks.eventStoreReachable({ headPosition });
    const readStore = this.checks.readStoreReachable();
    return { eventStore, readStore };
  }

  private indicators(
    views: Awaited<ReturnType<ProjectionViews['list']>>,
    unavailable: string | undefined,
    stores: ReturnType<HealthController['storeChecks']>,
  ) {
    return [
      () => stores.eventStore,
      () => stores.readStore,
      () =>
        this.projections.ownsProjections
          ? this.checks.projectionsServing(views, unavailable, this.projections.starting)
          : this.checks.projectionsServing(views),
      () => this.checks.notShuttingDown(),
    ];
  }
}
