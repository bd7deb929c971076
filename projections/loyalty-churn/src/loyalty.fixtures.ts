import { BUSINESS_CALENDAR } from '@crm/shared/kernel';
import type { Closing, CustomerHistory, Interaction } from './customer-history';

/** Test histories written the way the specs reason about them: ISO times, IRR unless said. */
export interface HistorySketch {
  readonly purchases?: readonly (readonly [at: string, amount: number, currency?: string])[];
  readonly interactions?: readonly (readonly [at: string, kind?: Interaction['kind']])[];
  readonly closings?: readonly (readonly [closedAt: string, reopenedAt?: string])[];
}

const ms = (iso: string) => Date.parse(iso);

export function history(accountId: string, sketch: HistorySketch = {}): CustomerHistory {
  return {
    accountId,
    name: `حساب ${accountId}`,
    purchases: (sketch.purchases ?? []).map(([at, amount, currency = 'IRR'], i) => ({
      id: `${accountId}-p${i + 1}`,
      amount: { amount, currency },
      at: ms(at),
      source: 'purchase' as const,
    })),
    interactions: (sketch.interactions ?? []).map(([at, kind = 'feedback'], i) => ({ kind, id: `${accountId}-i${i + 1}`, at: ms(at) })),
    closings: (sketch.closings ?? []).map(([closedAt, reopenedAt]): Closing => ({
      closedAt: ms(closedAt),
      ...(reopenedAt ? { reopenedAt: ms(reopenedAt) } : {}),
    })),
    countsWonDeals: false,
  };
}

/** End of the business day (Tehran), as a bare-date asOf means. */
export const endOf = (date: string): number => BUSINESS_CALENDAR.dayEnd(date);
export const at = ms;
