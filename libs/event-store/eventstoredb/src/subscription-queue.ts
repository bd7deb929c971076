import type { AllStreamResolvedEvent, AllStreamSubscription } from '@kurrent/kurrentdb-client';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import type { CatchUpOptions, CatchUpSource } from './catch-up-subscription';
import { toStoreError } from './client';

export type Item =
  | { readonly kind: 'event'; readonly event: RecordedEvent }
  | { readonly kind: 'skip'; readonly position: string }
  | { readonly kind: 'checkpoint'; readonly position: string }
  | { readonly kind: 'caughtUp' };

/**
 * Between the driver and the delivery loop. The driver emits 'caughtUp' and
 * calls the checkpoint callback from its transform step, while events sent
 * before them may still sit in its readable buffer; so each marker is queued
 * behind exactly `readableLength` more events. The driver is paused when the
 * queue fills and resumed when it drains. When the driver's subscription
 * drops for a transient reason it is opened again after the last position
 * received, so nothing is lost or repeated.
 */
export class SubscriptionQueue {
  private readonly items: Item[] = [];
  private readonly highWater: number;
  private driver: AllStreamSubscription | undefined;
  private paused = false;
  private received = 0;
  private markers: { at: number; item: Item }[] = [];
  private lastPosition: string | undefined;
  private failure: { readonly error: unknown } | undefined;
  private drops = 0;
  private closed = false;
  private wakeUp: (() => void) | undefined;
  private reopening: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: CatchUpSource,
    private readonly options: CatchUpOptions,
  ) {
    this.highWater = Math.max(64, options.batchSize * 2);
  }

  open(after: string | undefined): void {
    this.lastPosition = after;
    this.subscribe();
  }

  take(): Item | undefined {
    const item = this.items.shift();
    if (item !== undefined && this.paused && this.items.length < this.highWater / 2) {
      this.paused = false;
      this.driver?.resume();
    }
    return item;
  }

  /** Nothing queued and nothing held back in the driver's buffer. */
  idle(): boolean {
    return this.items.length === 0 && this.markers.length === 0 && (this.driver?.readableLength ?? 0) === 0;
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Resolves true when woken (an item, a failure, stop), false after `timeoutMs`. */
  sleep(timeoutMs: number | undefined): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.wakeUp = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve(true);
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.wakeUp = undefined;
          resolve(false);
        }, timeoutMs);
      }
    });
  }

  wake(): void {
    this.wakeUp?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reopening);
    this.wake();
    await this.driver?.unsubscribe().catch(() => undefined);
  }

  private subscribe(): void {
    const driver = this.source.open(this.lastPosition, (position) => this.mark({ kind: 'checkpoint', position }));
    this.driver = driver;
    this.received = 0;
    this.markers = [];
    this.paused = false;
    driver.on('data', (resolved: AllStreamResolvedEvent) => this.receive(driver, resolved));
    driver.on('caughtUp', () => this.mark({ kind: 'caughtUp' }));
    driver.on('error', (error: unknown) => this.dropped(driver, error));
    driver.on('end', () => this.dropped(driver, new Error('KurrentDB ended the $all subscription')));
  }

  private receive(driver: AllStreamSubscription, resolved: AllStreamResolvedEvent): void {
    if (driver !== this.driver) return;
    this.received += 1;
    this.drops = 0;
    const event = this.source.visible(resolved);
    // The server starts after the position asked for; the comparison only guards against an inclusive start.
    const fresh = event && (this.lastPosition === undefined || this.source.compare(event.position, this.lastPosition) > 0);
    if (event && fresh) {
      this.lastPosition = event.position;
      this.push(this.source.matches(event) ? { kind: 'event', event } : { kind: 'skip', position: event.position });
    }
    while (this.markers[0] !== undefined && this.markers[0].at <= this.received) this.push((this.markers.shift() as { item: Item }).item);
  }

  private mark(item: Item): void {
    const buffered = this.driver?.readableLength ?? 0;
    if (buffered === 0 && this.markers.length === 0) this.push(item);
    else this.markers.push({ at: this.received + buffered, item });
  }

  private push(item: Item): void {
    if (item.kind === 'checkpoint') {
      // A checkpoint behind what was already received says nothing new.
      if (this.lastPosition !== undefined && this.source.compare(item.position, this.lastPosition) <= 0) return;
      this.lastPosition = item.position;
    }
    this.items.push(item);
    if (!this.paused && this.items.length >= this.highWater) {
      this.paused = true;
      this.driver?.pause();
    }
    this.wake();
  }

  private dropped(driver: AllStreamSubscription, error: unknown): void {
    if (driver !== this.driver || this.closed || this.failure) return;
    if (!this.source.transient(error) || this.drops >= this.options.resubscribeAttempts) {
      // Still out of reach after every attempt: the kernel's passing StoreUnavailableError, so that the runner
      // restarts the projection with its back-off instead of taking it for failing for good.
      this.failure = { error: toStoreError(error) };
      this.wake();
      return;
    }
    this.drops += 1;
    this.driver = undefined;
    void driver.unsubscribe().catch(() => undefined);
    const delay = this.options.resubscribeDelayMs * 2 ** (this.drops - 1);
    this.reopening = setTimeout(() => {
      if (!this.closed) this.subscribe();
    }, delay);
  }
}
