import { SEGMENTS, type Score, type Segment } from './rfm';

export const CREDIT_LEVELS = ['none', 'low', 'medium', 'high'] as const;
export type CreditLevel = (typeof CREDIT_LEVELS)[number];

/** A rule matches when every condition it states holds; the first match gives the tier. */
export interface TierRule {
  readonly tier: string;
  readonly segments?: readonly Segment[];
  /** The customer's value: its RFM monetary score (1–5), comparable across currencies. */
  readonly minMonetaryScore?: Score;
  /** true: only lost customers; false: only those not lost. */
  readonly churned?: boolean;
  readonly discountPercent: number;
  readonly creditLevel: CreditLevel;
}

export interface Tier {
  readonly name: string;
  readonly discountPercent: number;
  readonly creditLevel: CreditLevel;
}

export interface TierInput {
  readonly segment: Segment;
  readonly monetaryScore?: Score;
  readonly churned: boolean;
}

/** The default table; `CRM_TIER_RULES` (JSON, same shape) replaces it. It ends in a catch-all, as every table must. */
export const DEFAULT_TIER_RULES: readonly TierRule[] = [
  { tier: 'churned', churned: true, discountPercent: 0, creditLevel: 'none' },
  { tier: 'platinum', segments: ['champions'], minMonetaryScore: 4, discountPercent: 15, creditLevel: 'high' },
  { tier: 'gold', segments: ['champions', 'loyal'], discountPercent: 10, creditLevel: 'medium' },
  { tier: 'win_back', segments: ['cant_lose_them', 'at_risk'], minMonetaryScore: 3, discountPercent: 10, creditLevel: 'low' },
  { tier: 'silver', segments: ['potential_loyalist', 'need_attention', 'promising', 'new'], discountPercent: 5, creditLevel: 'low' },
  { tier: 'standard', discountPercent: 0, creditLevel: 'none' },
];

const matches = (rule: TierRule, input: TierInput): boolean =>
  (rule.segments === undefined || rule.segments.includes(input.segment)) &&
  (rule.minMonetaryScore === undefined || (input.monetaryScore ?? 0) >= rule.minMonetaryScore) &&
  (rule.churned === undefined || rule.churned === input.churned);

export function tierOf(input: TierInput, rules: readonly TierRule[] = DEFAULT_TIER_RULES): Tier {
  const rule = rules.find((candidate) => matches(candidate, input));
  // parseTierRules guarantees a catch-all; a hand-made table without one is a programming error.
  if (!rule) throw new Error(`no tier rule matches ${JSON.stringify(input)}`);
  return { name: rule.tier, discountPercent: rule.discountPercent, creditLevel: rule.creditLevel };
}

export class TierRulesError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`CRM_TIER_RULES is invalid: ${problems.join('; ')}`);
    this.name = 'TierRulesError';
  }
}

const KEYS = new Set(['tier', 'segments', 'minMonetaryScore', 'churned', 'discountPercent', 'creditLevel']);

function ruleProblems(rule: unknown, at: string): string[] {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return [`${at} must be an object`];
  const r = rule as Record<string, unknown>;
  const problems = Object.keys(r)
    .filter((key) => !KEYS.has(key))
    .map((key) => `${at}.${key} is not a rule field`);
  if (typeof r['tier'] !== 'string' || r['tier'].trim() === '' || r['tier'].length > 50)
    problems.push(`${at}.tier must be a name of 1–50 characters`);
  const segments = r['segments'];
  if (
    segments !== undefined &&
    (!Array.isArray(segments) || segments.length === 0 || !segments.every((s) => SEGMENTS.includes(s as Segment)))
  ) {
    problems.push(`${at}.segments must be a non-empty list of ${SEGMENTS.join(', ')}`);
  }
  const score = r['minMonetaryScore'];
  if (score !== undefined && !(Number.isInteger(score) && (score as number) >= 1 && (score as number) <= 5)) {
    problems.push(`${at}.minMonetaryScore must be an integer from 1 to 5`);
  }
  if (r['churned'] !== undefined && typeof r['churned'] !== 'boolean') problems.push(`${at}.churned must be true or false`);
  const discount = r['discountPercent'];
  if (typeof discount !== 'number' || !Number.isFinite(discount) || discount < 0 || discount > 100) {
    problems.push(`${at}.discountPercent must be a number from 0 to 100`);
  }
  if (!CREDIT_LEVELS.includes(r['creditLevel'] as CreditLevel))
    problems.push(`${at}.creditLevel must be one of ${CREDIT_LEVELS.join(', ')}`);
  return problems;
}

/** Validates a rule table (the `CRM_TIER_RULES` JSON) and lists every problem at once. */
export function parseTierRules(json: string): TierRule[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new TierRulesError([`not JSON (${error instanceof Error ? error.message : String(error)})`]);
  }
  if (!Array.isArray(value) || value.length === 0) throw new TierRulesError(['must be a non-empty JSON array of rules']);
  const problems = value.flatMap((rule, index) => ruleProblems(rule, `[${index}]`));
  const last = value[value.length - 1] as Record<string, unknown>;
  if (problems.length === 0 && ['segments', 'minMonetaryScore', 'churned'].some((key) => last[key] !== undefined)) {
    problems.push('the last rule must have no conditions, so every customer gets a tier');
  }
  if (problems.length > 0) throw new TierRulesError(problems);
  return value as TierRule[];
}
