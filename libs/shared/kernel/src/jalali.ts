import { InvalidValueError } from './errors';

/**
 * Solar Hijri (Jalali) calendar, the one Iranian users read dates and months in.
 * Conversion is the integer algorithm of jalaali-js (Borkowski's break-year table),
 * going through Julian Day Numbers. Dates are taken on the UTC calendar: callers that
 * need Tehran's local day shift the instant before converting.
 */

export type JalaliDate = { readonly jy: number; readonly jm: number; readonly jd: number };

export const jalaliMonthNames = [
  'فروردین',
  'اردیبهشت',
  'خرداد',
  'تیر',
  'مرداد',
  'شهریور',
  'مهر',
  'آبان',
  'آذر',
  'دی',
  'بهمن',
  'اسفند',
] as const;

// Jalali years at which the 33-year leap cycle is re-anchored; valid range is [first, last).
const BREAKS = [-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097, 2192, 2262, 2324, 2394, 2456, 3178] as const;
const FIRST_YEAR = BREAKS[0];
const END_YEAR = BREAKS[BREAKS.length - 1] ?? FIRST_YEAR;
const MS_PER_DAY = 86_400_000;
const JDN_OF_UNIX_EPOCH = 2_440_588;

// The algorithm is defined with truncating division (JS `~~(a / b)`), not floor.
// Bound once: a global lookup per call is costly inside sandboxes such as Jest's vm context.
const trunc = Math.trunc;

function div(a: number, b: number): number {
  return trunc(a / b);
}

function mod(a: number, b: number): number {
  return a - trunc(a / b) * b;
}

type YearInfo = {
  /** Years since the last leap year: 0 means jy itself is leap. */
  readonly leap: number;
  /** Gregorian year in which jy begins. */
  readonly gy: number;
  /** Day of March (Gregorian) on which Farvardin 1 falls. */
  readonly march: number;
};

function jalaliYearInfo(jy: number): YearInfo {
  if (!Number.isInteger(jy) || jy < FIRST_YEAR || jy >= END_YEAR) {
    throw new InvalidValueError('JALALI.OUT_OF_RANGE', `Jalali year ${jy} is outside ${FIRST_YEAR}..${END_YEAR - 1}`);
  }
  const gy = jy + 621;
  let leapJ = -14;
  let jp: number = FIRST_YEAR;
  let jump = 0;
  for (let i = 1; i < BREAKS.length; i += 1) {
    const jm = BREAKS[i] ?? END_YEAR;
    jump = jm - jp;
    if (jy < jm) break;
    leapJ += div(jump, 33) * 8 + div(mod(jump, 33), 4);
    jp = jm;
  }
  let n = jy - jp;
  leapJ += div(n, 33) * 8 + div(mod(n, 33) + 3, 4);
  if (mod(jump, 33) === 4 && jump - n === 4) leapJ += 1;
  const leapG = div(gy, 4) - div((div(gy, 100) + 1) * 3, 4) - 150;
  const march = 20 + leapJ - leapG;

  if (jump - n < 6) n = n - jump + div(jump + 4, 33) * 33;
  let leap = mod(mod(n + 1, 33) - 1, 4);
  if (leap === -1) leap = 4;
  return { leap, gy, march };
}

function gregorianToJdn(gy: number, gm: number, gd: number): number {
  const d = div((gy + div(gm - 8, 6) + 100100) * 1461, 4) + div(153 * mod(gm + 9, 12) + 2, 5) + gd - 34840408;
  return d - div(div(gy + 100100 + div(gm - 8, 6), 100) * 3, 4) + 752;
}

function jdnToGregorianYear(jdn: number): number {
  let j = 4 * jdn + 139361631;
  j += div(div(4 * jdn + 183187720, 146097) * 3, 4) * 4 - 3908;
  const i = div(mod(j, 1461), 4) * 5 + 308;
  const gm = mod(div(i, 153), 12) + 1;
  return div(j, 1461) - 100100 + div(8 - gm, 6);
}

function jalaliToJdn(jy: number, jm: number, jd: number): number {
  const { gy, march } = jalaliYearInfo(jy);
  // Months 1–6 have 31 days, 7–11 have 30.
  return gregorianToJdn(gy, 3, march) + (jm - 1) * 31 - div(jm, 7) * (jm - 7) + jd - 1;
}

function jdnToJalali(jdn: number): JalaliDate {
  const gy = jdnToGregorianYear(jdn);
  let jy = gy - 621;
  const info = jalaliYearInfo(jy);
  let k = jdn - gregorianToJdn(gy, 3, info.march);
  if (k >= 0) {
    if (k <= 185) return { jy, jm: 1 + div(k, 31), jd: mod(k, 31) + 1 };
    k -= 186;
  } else {
    // Before Nowruz: still the previous Jalali year, whose Esfand has 30 days if it was leap.
    jy -= 1;
    k += 179;
    if (info.leap === 1) k += 1;
  }
  return { jy, jm: 7 + div(k, 30), jd: mod(k, 30) + 1 };
}

export function isLeapJalaliYear(jy: number): boolean {
  return jalaliYearInfo(jy).leap === 0;
}

export function jalaliMonthLength(jy: number, jm: number): number {
  if (!Number.isInteger(jm) || jm < 1 || jm > 12) {
    throw new InvalidValueError('JALALI.INVALID_DATE', `Jalali month ${jm} is outside 1..12`);
  }
  if (jm <= 6) return 31;
  if (jm <= 11) return 30;
  return isLeapJalaliYear(jy) ? 30 : 29;
}

export function isValidJalaliDate(jy: number, jm: number, jd: number): boolean {
  if (![jy, jm, jd].every(Number.isInteger)) return false;
  if (jy < FIRST_YEAR || jy >= END_YEAR || jm < 1 || jm > 12) return false;
  return jd >= 1 && jd <= jalaliMonthLength(jy, jm);
}

// Only ISO forms whose instant does not depend on the host time zone.
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

function toEpochMs(date: Date | string): number {
  if (date instanceof Date) {
    const time = date.getTime();
    if (Number.isNaN(time)) throw new InvalidValueError('DATE.INVALID', 'Invalid Date');
    return time;
  }
  const parts = ISO_DATE.exec(date) ?? ISO_INSTANT.exec(date);
  const time = Date.parse(date);
  if (!parts || Number.isNaN(time)) {
    throw new InvalidValueError('DATE.INVALID', `Not an ISO 8601 date or instant with offset: "${date}"`);
  }
  // Date.parse rolls "2024-02-30" over to March 1st; the written day must survive the parse.
  const writtenDay = `${parts[1]}-${parts[2]}-${parts[3]}`;
  if (new Date(Date.parse(writtenDay)).toISOString().slice(0, 10) !== writtenDay) {
    throw new InvalidValueError('DATE.INVALID', `No such day: "${date}"`);
  }
  return time;
}

/** The Jalali date of the UTC calendar day of `date` (a Date, 'YYYY-MM-DD' or an ISO instant with offset). */
export function toJalali(date: Date | string): JalaliDate {
  return jdnToJalali(Math.floor(toEpochMs(date) / MS_PER_DAY) + JDN_OF_UNIX_EPOCH);
}

/** UTC midnight of the given Jalali day; throws JALALI.INVALID_DATE for days that do not exist. */
export function fromJalali(jy: number, jm: number, jd: number): Date {
  if (!isValidJalaliDate(jy, jm, jd)) {
    throw new InvalidValueError('JALALI.INVALID_DATE', `Not a Jalali date: ${jy}-${jm}-${jd}`);
  }
  return new Date((jalaliToJdn(jy, jm, jd) - JDN_OF_UNIX_EPOCH) * MS_PER_DAY);
}

/** 'YYYY-MM' of the Jalali month, for grouping reports by month (sorts lexically for 4-digit years). */
export function jalaliMonthKey(date: Date | string): string {
  const { jy, jm } = toJalali(date);
  return `${jy}-${String(jm).padStart(2, '0')}`;
}
