import { codeOf } from './error-code.testing';
import { fromJalali, isLeapJalaliYear, isValidJalaliDate, jalaliMonthKey, jalaliMonthLength, jalaliMonthNames, toJalali } from './jalali';

const DAY = 86_400_000;
const iso = (date: Date): string => date.toISOString();

// Well-known correspondences (Nowruz of recent years, 22 Bahman 1357, Yalda, the Unix epoch).
const KNOWN: ReadonlyArray<readonly [string, number, number, number]> = [
  ['2024-03-20', 1403, 1, 1],
  ['2025-03-21', 1404, 1, 1],
  ['2023-03-21', 1402, 1, 1],
  ['2021-03-21', 1400, 1, 1],
  ['2017-03-21', 1396, 1, 1],
  ['2016-03-20', 1395, 1, 1],
  ['2025-03-20', 1403, 12, 30],
  ['2024-03-19', 1402, 12, 29],
  ['2021-03-20', 1399, 12, 30],
  ['2024-09-22', 1403, 7, 1],
  ['2024-09-21', 1403, 6, 31],
  ['2023-12-21', 1402, 9, 30],
  ['2023-12-22', 1402, 10, 1],
  ['1979-02-11', 1357, 11, 22],
  ['1970-01-01', 1348, 10, 11],
  ['1969-12-31', 1348, 10, 10],
  ['2000-01-01', 1378, 10, 11],
  ['2024-02-29', 1402, 12, 10],
];

describe('toJalali / fromJalali on known dates', () => {
  it.each(KNOWN)('%s is %i-%i-%i', (gregorian, jy, jm, jd) => {
    expect(toJalali(gregorian)).toEqual({ jy, jm, jd });
    expect(toJalali(new Date(`${gregorian}T12:00:00Z`))).toEqual({ jy, jm, jd });
    expect(iso(fromJalali(jy, jm, jd))).toBe(`${gregorian}T00:00:00.000Z`);
  });
});

describe('toJalali', () => {
  it('uses the UTC calendar day of the instant', () => {
    expect(toJalali('2024-03-19T23:59:59.999Z')).toEqual({ jy: 1402, jm: 12, jd: 29 });
    expect(toJalali('2024-03-20T00:00:00Z')).toEqual({ jy: 1403, jm: 1, jd: 1 });
    // 02:00 in Tehran (+03:30) on Nowruz is still 19 March in UTC.
    expect(toJalali('2024-03-20T02:00+03:30')).toEqual({ jy: 1402, jm: 12, jd: 29 });
    expect(toJalali(new Date(Date.UTC(2025, 2, 20, 23, 59)))).toEqual({ jy: 1403, jm: 12, jd: 30 });
  });

  it('refuses invalid dates and strings whose meaning depends on the host time zone', () => {
    expect(codeOf(() => toJalali(new Date(Number.NaN)))).toBe('DATE.INVALID');
    expect(codeOf(() => toJalali('not a date'))).toBe('DATE.INVALID');
    expect(codeOf(() => toJalali('2024/03/20'))).toBe('DATE.INVALID');
    expect(codeOf(() => toJalali('2024-03-20T10:00:00'))).toBe('DATE.INVALID'); // no offset: local time
    expect(codeOf(() => toJalali('2024-02-30'))).toBe('DATE.INVALID'); // Date.parse would roll it to 1 March
    expect(codeOf(() => toJalali('2023-02-29'))).toBe('DATE.INVALID');
    expect(codeOf(() => toJalali('2024-13-01'))).toBe('DATE.INVALID');
    expect(codeOf(() => toJalali('1403-01-01'))).not.toBe('DATE.INVALID'); // a valid Gregorian year 1403 (AD)
  });

  it('refuses dates outside the supported Jalali years', () => {
    expect(codeOf(() => toJalali('4000-01-01'))).toBe('JALALI.OUT_OF_RANGE');
  });
});

describe('fromJalali', () => {
  it('returns UTC midnight', () => {
    const date = fromJalali(1403, 1, 1);
    expect(date.getUTCHours() + date.getUTCMinutes() + date.getUTCSeconds() + date.getUTCMilliseconds()).toBe(0);
  });

  it('accepts 30 Esfand only in leap years: 1403-12-30 → 2025-03-20', () => {
    expect(iso(fromJalali(1403, 12, 30))).toBe('2025-03-20T00:00:00.000Z');
    expect(codeOf(() => fromJalali(1402, 12, 30))).toBe('JALALI.INVALID_DATE');
    expect(codeOf(() => fromJalali(1404, 12, 30))).toBe('JALALI.INVALID_DATE');
  });

  it('refuses days that do not exist', () => {
    expect(codeOf(() => fromJalali(1403, 0, 1))).toBe('JALALI.INVALID_DATE');
    expect(codeOf(() => fromJalali(1403, 13, 1))).toBe('JALALI.INVALID_DATE');
    expect(codeOf(() => fromJalali(1403, 1, 0))).toBe('JALALI.INVALID_DATE');
    expect(codeOf(() => fromJalali(1403, 1, 32))).toBe('JALALI.INVALID_DATE');
    expect(codeOf(() => fromJalali(1403, 7, 31))).toBe('JALALI.INVALID_DATE');
    expect(codeOf(() => fromJalali(1403, 1.5, 1))).toBe('JALALI.INVALID_DATE');
    expect(codeOf(() => fromJalali(5000, 1, 1))).toBe('JALALI.INVALID_DATE');
  });
});

describe('leap years and month lengths', () => {
  it('follows the 33-year cycle around today', () => {
    const leap = [];
    for (let jy = 1390; jy <= 1412; jy += 1) if (isLeapJalaliYear(jy)) leap.push(jy);
    expect(leap).toEqual([1391, 1395, 1399, 1403, 1408, 1412]);
  });

  it('gives 31 days to the first six months, 30 to the next five, 29 or 30 to Esfand', () => {
    expect([1, 2, 3, 4, 5, 6].map((jm) => jalaliMonthLength(1402, jm))).toEqual([31, 31, 31, 31, 31, 31]);
    expect([7, 8, 9, 10, 11].map((jm) => jalaliMonthLength(1402, jm))).toEqual([30, 30, 30, 30, 30]);
    expect(jalaliMonthLength(1402, 12)).toBe(29);
    expect(jalaliMonthLength(1403, 12)).toBe(30);
    expect(codeOf(() => jalaliMonthLength(1403, 13))).toBe('JALALI.INVALID_DATE');
  });

  it('agrees with the length of the year in days', () => {
    for (let jy = 1350; jy <= 1450; jy += 1) {
      const days = (fromJalali(jy + 1, 1, 1).getTime() - fromJalali(jy, 1, 1).getTime()) / DAY;
      expect(days).toBe(isLeapJalaliYear(jy) ? 366 : 365);
    }
  });

  it('validates without throwing', () => {
    expect(isValidJalaliDate(1403, 12, 30)).toBe(true);
    expect(isValidJalaliDate(1402, 12, 30)).toBe(false);
    expect(isValidJalaliDate(1403, 6, 31)).toBe(true);
    expect(isValidJalaliDate(1403, 7, 31)).toBe(false);
    expect(isValidJalaliDate(1403, 1, Number.NaN)).toBe(false);
    expect(isValidJalaliDate(9999, 1, 1)).toBe(false);
    expect(codeOf(() => isLeapJalaliYear(9999))).toBe('JALALI.OUT_OF_RANGE');
  });
});

describe('round trips', () => {
  it('walks every day from 1900 to 2100, one Jalali day at a time', () => {
    const start = Date.UTC(1900, 0, 1);
    const end = Date.UTC(2100, 11, 31);
    let previous = toJalali(new Date(start - DAY));
    for (let time = start; time <= end; time += DAY) {
      const date = new Date(time);
      const j = toJalali(date);
      if (fromJalali(j.jy, j.jm, j.jd).getTime() !== time) {
        throw new Error(`${iso(date)} → ${j.jy}-${j.jm}-${j.jd} does not round-trip`);
      }
      const nextDay = previous.jd < jalaliMonthLength(previous.jy, previous.jm);
      const expected = nextDay
        ? { ...previous, jd: previous.jd + 1 }
        : previous.jm < 12
          ? { jy: previous.jy, jm: previous.jm + 1, jd: 1 }
          : { jy: previous.jy + 1, jm: 1, jd: 1 };
      if (j.jy !== expected.jy || j.jm !== expected.jm || j.jd !== expected.jd) {
        throw new Error(`${iso(date)} → ${j.jy}-${j.jm}-${j.jd}, expected the day after ${JSON.stringify(previous)}`);
      }
      previous = j;
    }
    expect(previous).toEqual({ jy: 1479, jm: 10, jd: 10 }); // 2100-12-31
  });

  it('maps every valid day of 1400–1410 back to itself', () => {
    for (let jy = 1400; jy <= 1410; jy += 1) {
      for (let jm = 1; jm <= 12; jm += 1) {
        for (let jd = 1; jd <= jalaliMonthLength(jy, jm); jd += 1) {
          expect(toJalali(fromJalali(jy, jm, jd))).toEqual({ jy, jm, jd });
        }
      }
    }
  });
});

describe('jalaliMonthKey', () => {
  it('gives a zero-padded YYYY-MM key', () => {
    expect(jalaliMonthKey('2024-10-06')).toBe('1403-07');
    expect(jalaliMonthKey('2024-03-20')).toBe('1403-01');
    expect(jalaliMonthKey('2024-03-19')).toBe('1402-12');
    expect(jalaliMonthKey(new Date('2025-03-21T08:30:00Z'))).toBe('1404-01');
  });

  it('sorts lexically in calendar order', () => {
    const keys = ['2024-12-20', '2024-03-20', '2024-10-06', '2024-03-19'].map((d) => jalaliMonthKey(d));
    expect([...keys].sort()).toEqual(['1402-12', '1403-01', '1403-07', '1403-09']);
  });
});

describe('jalaliMonthNames', () => {
  it('lists the twelve Persian month names from Farvardin to Esfand', () => {
    expect(jalaliMonthNames).toHaveLength(12);
    expect(jalaliMonthNames[0]).toBe('فروردین');
    expect(jalaliMonthNames[6]).toBe('مهر');
    expect(jalaliMonthNames[11]).toBe('اسفند');
    expect(jalaliMonthNames.join(' ')).toBe('فروردین اردیبهشت خرداد تیر مرداد شهریور مهر آبان آذر دی بهمن اسفند');
    expect(jalaliMonthNames.every((name) => /^[\u0600-\u06FF]+$/.test(name) && !/[\u064A\u0643]/.test(name))).toBe(true);
  });

  it('names the month of a date', () => {
    const { jm } = toJalali('2024-12-20'); // 30 Azar 1403, Yalda night
    expect(jalaliMonthNames[toJalali('2024-12-21').jm - 1]).toBe('دی');
    expect(jalaliMonthNames[jm - 1]).toBe('آذر');
  });
});
