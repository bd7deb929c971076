/** Maximum lengths of free text: generous for Persian prose, bounded so one body cannot hog the store. */
export const MAX = {
  subject: 200,
  description: 4000,
  outcome: 2000,
  reason: 500,
  summary: 4000,
} as const;

/** The last 0-based index of the longest series the domain allows (MAX_OCCURRENCES − 1). */
export const LAST_OCCURRENCE = 499;
