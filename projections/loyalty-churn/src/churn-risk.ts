import { npsCategory } from '@crm/service/domain';

export type RiskLevel = 'low' | 'medium' | 'high' | 'churned';
export type RiskFactor = 'inactivity_medium' | 'inactivity_high' | 'open_complaints' | 'nps_detractor';

export interface ChurnRisk {
  readonly level: RiskLevel;
  readonly factors: readonly RiskFactor[];
  readonly daysSinceLastActivity: number;
}

export interface ChurnRiskInput {
  readonly churned: boolean;
  readonly daysSinceLastActivity: number;
  readonly inactivityDays: number;
  readonly openComplaints: number;
  readonly latestNps?: number;
}

/**
 * Points: inactivity for at least a third of the threshold 1, for two thirds 2;
 * any open complaint 1; a latest NPS answer of 0–6 (detractor) 1.
 * 0 → low, 1 → medium, 2 or more → high; a lost customer is `churned`.
 */
export function churnRiskOf(input: ChurnRiskInput): ChurnRisk {
  const { daysSinceLastActivity, inactivityDays } = input;
  const factors: RiskFactor[] = [];
  let points = 0;
  if (3 * daysSinceLastActivity >= 2 * inactivityDays) {
    factors.push('inactivity_high');
    points += 2;
  } else if (3 * daysSinceLastActivity >= inactivityDays) {
    factors.push('inactivity_medium');
    points += 1;
  }
  if (input.openComplaints > 0) {
    factors.push('open_complaints');
    points += 1;
  }
  if (input.latestNps !== undefined && npsCategory(input.latestNps) === 'detractor') {
    factors.push('nps_detractor');
    points += 1;
  }
  const level: RiskLevel = input.churned ? 'churned' : points === 0 ? 'low' : points === 1 ? 'medium' : 'high';
  return { level, factors, daysSinceLastActivity };
}
