/** How the HTTP edge protects itself (README "Configuration"); validated at start-up by the platform config. */
export interface RateLimitSettings {
  /** `CRM_RATE_LIMIT=off` (benchmarks) removes both limits. */
  readonly enabled: boolean;
  /** Requests per principal (or per client address, before authentication) in each window. */
  readonly max: number;
  readonly windowMs: number;
  /** Failed authentications (a token that is presented but not valid) per client address in each window. */
  readonly authFailureMax: number;
  readonly authFailureWindowMs: number;
}

export interface EdgeSettings {
  /** Fastify's trustProxy: off unless configured; `true`, a hop count, or the proxies' addresses / CIDRs. */
  readonly trustProxy: boolean | number | readonly string[];
  /** The whole request, body included, must arrive within this; a trickling client is cut off. */
  readonly requestTimeoutMs: number;
  /** The request head must arrive within this (slow-header attacks). */
  readonly headersTimeoutMs: number;
  /** A socket with no traffic at all for this long is closed. */
  readonly idleTimeoutMs: number;
  readonly rateLimit: RateLimitSettings;
  /** Requests that may write served at once; the others wait their turn before their body is read (`gateCommands`). 0: no bound. */
  readonly commandSlots: number;
}

/**
 * Liveness and readiness, outside the rate limit: an orchestrator's probes share an address with every anonymous caller
 * (all callers, behind a proxy without CRM_TRUST_PROXY), and a 429 there can have a healthy process restarted or taken
 * out of rotation. Readiness shares one check among the probes that come together (`HealthController`), so the
 * exemption cannot be used to load the stores; liveness checks nothing.
 */
export const UNLIMITED_ROUTES: ReadonlySet<string> = new Set(['/health/live', '/health/ready']);
