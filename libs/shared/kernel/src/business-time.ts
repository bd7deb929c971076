import { InvalidValueError } from './errors';
import { jalaliMonthKey } from './jalali';

/**
 * The business time zone (API.md: reports bucket days and months in it, `Asia/Tehran` unless configured).
 *
 * Every day and month a report counts in is a day of this zone's wall clock: "local" below. The trick used
 * throughout: `toLocal(instant)` is the wall-clock reading of the instant written as if it were UTC, so the UTC
 * calendar arithmetic (`Date.UTC`, `toISOString().slice(0, 10)`, the kernel's Jalali conversion) works on it
 * unchanged; `fromLocal` takes a wall-clock reading back to the instant. The zone's rules come from `Intl`
 * (ICU's tz data), so history from before Iran dropped daylight time (2022) gets its +04:30 summers.
 */
export const DEFAULT_BUSINESS_TIME_ZONE = 'Asia/Tehran';

const DAY_MS = 86_400_000;

export interface BusinessCalendar {
  readonly timeZone: string;
  /** Local wall clock minus UTC at `instant`, in ms (+03:30 → 12,600,000). */
  offsetMs(instant: number): number;
  /** The instant's wall-clock reading, written as a UTC epoch ms. */
  toLocal(instant: number): number;
  /**
   * The instant whose wall-clock reading is `wall`; the earlier one where the clock went back, and where it jumped
   * forward past `wall` (Tehran's daylight time began at 24:00), `wall` read with the offset before the jump (00:30 is
   * 01:30 after it; a day's 00:00 is the instant of the jump), as RFC 5545 reads a skipped time.
   */
  fromLocal(wall: number): number;
  /** The local calendar day of an instant, 'YYYY-MM-DD'. */
  day(instant: number | string): string;
  /** The local calendar month of an instant, 'YYYY-MM'. */
  month(instant: number | string): string;
  /** The Jalali month of the instant's local day, 'YYYY-MM'. */
  jalaliMonth(instant: number | string): string;
  /** Whole local days since 1970-01-01 (a day number: the difference of two is whole calendar days). */
  dayNumber(instant: number): number;
  /** The first instant of local day `day` ('YYYY-MM-DD', taken as written). */
  dayStart(day: string): number;
  /** The last millisecond of local day `day`. */
  dayEnd(day: string): number;
}

const epochOf = (instant: number | string): number => (typeof instant === 'number' ? instant : Date.parse(instant));

/** A calendar of `timeZone` (an IANA name such as `Asia/Tehran`, or `UTC`); throws for a zone `Intl` does not know. */
export function businessCalendar(timeZone: string): BusinessCalendar {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
  } catch {
    throw new InvalidValueError('TIME_ZONE.INVALID', `Not an IANA time zone: "${timeZone}"`);
  }
  const zone = format.resolvedOptions().timeZone;

  /** The offset read from Intl, to the second (the zone's rules; ms are not part of any offset). */
  const exactOffset = (instant: number): number => {
    const whole = Math.floor(instant / 1000) * 1000;
    const parts: Record<string, string> = {};
    for (const part of format.formatToParts(whole)) parts[part.type] = part.value;
    const year = Number(parts['year']);
    const local = new Date(0);
    local.setUTCFullYear(parts['era'] === 'BC' ? 1 - year : year, Number(parts['month']) - 1, Number(parts['day']));
    local.setUTCHours(Number(parts['hour']), Number(parts['minute']), Number(parts['second']), 0);
    return local.getTime() - whole;
  };

  // One Intl call per UTC day: a day whose first and last second have one offset has it throughout (a zone changes
  // its offset at most once a day); the rare day of a change is read per instant.
  const byDay = new Map<number, number | null>();
  const offsetMs = (instant: number): number => {
    const day = Math.floor(instant / DAY_MS);
    let offset = byDay.get(day);
    if (offset === undefined) {
      const first = exactOffset(day * DAY_MS);
      offset = first === exactOffset(day * DAY_MS + DAY_MS - 1000) ? first : null;
      if (byDay.size > 200_000) byDay.clear();
      byDay.set(day, offset);
    }
    return offset ?? exactOffset(instant);
  };

  const toLocal = (instant: number): number => instant + offsetMs(instant);
  const fromLocal = (wall: number): number => {
    const before = offsetMs(wall - DAY_MS);
    const after = offsetMs(wall + DAY_MS);
    const earlier = wall - Math.max(before, after);
    if (toLocal(earlier) === wall) return earlier;
    const later = wall - Math.min(before, after);
    if (toLocal(later) === wall) return later;
    // In a jump forward: the instant the clock jumped.
    return wall - before;
  };
  const isoLocal = (instant: number | string): string => new Date(toLocal(epochOf(instant))).toISOString();
  const dayStart = (day: string): number => fromLocal(Date.parse(`${day}T00:00:00.000Z`));

  return {
    timeZone: zone,
    offsetMs,
    toLocal,
    fromLocal,
    day: (instant) => isoLocal(instant).slice(0, 10),
    month: (instant) => isoLocal(instant).slice(0, 7),
    jalaliMonth: (instant) => jalaliMonthKey(new Date(toLocal(epochOf(instant)))),
    dayNumber: (instant) => Math.floor(toLocal(instant) / DAY_MS),
    dayStart,
    dayEnd: (day) => dayStart(new Date(Date.parse(`${day}T00:00:00.000Z`) + DAY_MS).toISOString().slice(0, 10)) - 1,
  };
}

/** The zone `CRM_BUSINESS_TIME_ZONE` names, else `Asia/Tehran`. */
export const configuredTimeZone = (env: NodeJS.ProcessEnv = process.env): string =>
  env['CRM_BUSINESS_TIME_ZONE']?.trim() || DEFAULT_BUSINESS_TIME_ZONE;

/**
 * The installation's business calendar: `CRM_BUSINESS_TIME_ZONE`, else `Asia/Tehran`. Read once, when the process
 * loads this module: every process of an installation (API, its read-side worker, projector, CLI) must be given the
 * same zone (the day- and month-keyed read models are bucketed by it, and carry it in their version: `zonedVersion`).
 * A zone Intl does not know is refused by the processes' configuration check (`loadConfig`), which names it; until
 * then this holds the default, so that loading the module never throws.
 */
export const BUSINESS_CALENDAR: BusinessCalendar = (() => {
  try {
    return businessCalendar(configuredTimeZone());
  } catch {
    return businessCalendar(DEFAULT_BUSINESS_TIME_ZONE);
  }
})();

/**
 * The version of a projection that counts business days, as the projection runner sees it: `version` itself in the
 * default zone, and in any other zone a number of that zone's own (`version` × 10⁹ + 1 to 999,999,999 from the zone's
 * name: about 600 zones, so two share one with a chance near 2 in 10,000). So a build made in one zone is never folded
 * on by a process counting days in another (it is "another version" to it), and a change of `CRM_BUSINESS_TIME_ZONE`
 * rebuilds those projections from the log, as a new version does.
 */
export function zonedVersion(version: number, timeZone: string = BUSINESS_CALENDAR.timeZone): number {
  if (timeZone === DEFAULT_BUSINESS_TIME_ZONE) return version;
  // FNV-1a over the zone's name, 32 bits: stable across processes and Node versions.
  let hash = 0x811c9dc5;
  for (let i = 0; i < timeZone.length; i++) hash = Math.imul(hash ^ timeZone.charCodeAt(i), 0x01000193) >>> 0;
  return version * 1_000_000_000 + 1 + (hash % 999_999_999);
}
