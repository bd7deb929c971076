/**
 * One written definition per figure. docs/metrics.md carries the same sentences (a test checks every one appears
 * there word for word), and the OpenAPI descriptions are built from them, so analysts and clients read one text.
 */
export const METRIC_DEFINITIONS = {
  rounding:
    'Rounding: one rule for every figure, half to even at the stated decimals — ratios (0–1) to 4, hours, days and means to 2, ' +
    'money to whole minor units; every factor is kept exact and only the reported figure is rounded.',
  complaintAsOf:
    'asOf: every complaint figure is the fold of each complaint’s events dated at or before asOf (receipt, acknowledgement, ' +
    'assessment, escalation, closing, reopening, satisfaction, breach, breach withdrawn); complaints received after asOf are not counted.',
  slaCompliance:
    'SLA compliance = met ÷ (met + missed) over the milestones of the complaints counted (acknowledge once per handling cycle until ' +
    'acknowledged; resolve once per handling cycle). A milestone is missed while a ComplaintSlaBreached for it stands (not withdrawn by a ComplaintSlaBreachWithdrawn); ' +
    'otherwise met once acknowledged or closed as resolved or unresolved; void when a withdrawal closed it first; otherwise pending. ' +
    'The figure counts recorded outcomes and never re-derives them from deadlines; overdue, a part of pending, counts the ' +
    'milestones whose deadline in force has passed by asOf with no breach recorded yet, and is not in the rate.',
  slaRule:
    'SLA rule: a completed milestone is judged against the deadline in force when it was completed; a re-assessment after completion ' +
    're-dates nothing; a deadline extended before completion withdraws the breach recorded against the old one.',
  withdrawals:
    'Withdrawals are outside the SLA: a withdrawal meets no milestone and is not a resolution (time to resolve counts closings as ' +
    'resolved only); a milestone whose deadline passed before the withdrawal has its breach on record and counts missed.',
  complaintTimes:
    'Time to acknowledge = receipt → acknowledgement. Time to resolve = receipt → the closing that left the complaint resolved ' +
    '(closed as resolved at asOf). Mean and median in hours.',
  complaintRates:
    'Escalation rate per level = complaints that reached it or beyond ÷ complaints. Reopen rate = complaints reopened at least once ÷ ' +
    'complaints closed at least once. Satisfaction = mean of the handling scores (1–5) recorded by asOf.',
  churn:
    'Churn rate = customers active at the period start and lost in the period ÷ customers active at the period start (a proportion, ' +
    'never above 1). Customers not in that base — new, or returned after a loss — and lost within the period are reported as ' +
    'lostOutsideBase, of them newAndLost, and are not in the rate. Each period reconciles: activeAtEnd = activeAtStart − lostAtEnd + ' +
    'newActiveAtEnd + returned, where lostAtEnd is the churned still lost at the period’s end, newActiveAtEnd the new customers ' +
    'active at its end, and returned the customers neither in the base nor new who are active at its end (lost before the period, ' +
    'back in it).',
  rfm:
    'RFM scores are quintiles over the customers active at asOf; a lost customer keeps its recency, frequency and monetary values ' +
    'but gets no scores and the segment churned.',
  wonDeals:
    'wonDeals=auto: a won deal counts as a purchase when it was won before the account’s first purchase record; later deals come ' +
    'back as ERP invoices. The rule looks only at facts dated up to the win, so a closed period changes only by late facts about that period.',
  funnelDirect:
    'Funnel: groups and total cover lead-sourced deals, by the lead’s capture date; the direct row covers deals opened without a ' +
    'qualified lead, by openedAt, so total.wonRevenue + direct.wonRevenue is every won deal.',
  salesVelocity:
    'Sales velocity = open deals × average won deal × win rate ÷ average cycle days, per currency per day: the open deals and the ' +
    'average won deal of that currency, the win rate and the average cycle of every currency; from exact factors, in integers, ' +
    'rounded once (half to even) to the minor unit.',
} as const;
