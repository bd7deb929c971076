import { BUSINESS_CALENDAR, businessCalendar, DEFAULT_BUSINESS_TIME_ZONE, zonedVersion } from './business-time';

describe('business calendar', () => {
  const tehran = businessCalendar('Asia/Tehran');

  it('is Asia/Tehran unless CRM_BUSINESS_TIME_ZONE says otherwise', () => {
    expect(DEFAULT_BUSINESS_TIME_ZONE).toBe('Asia/Tehran');
    expect(BUSINESS_CALENDAR.timeZone).toBe(process.env['CRM_BUSINESS_TIME_ZONE']?.trim() || 'Asia/Tehran');
  });

  it('counts an instant in the local day: 23:00 UTC on the 10th is 02:30 on the 11th in Tehran', () => {
    expect(tehran.day('2025-02-10T23:00:00Z')).toBe('2025-02-11');
    expect(tehran.day('2025-02-10T20:29:59.999Z')).toBe('2025-02-10');
    expect(tehran.day('2025-02-10T20:30:00.000Z')).toBe('2025-02-11');
    expect(tehran.month('2025-01-31T21:00:00Z')).toBe('2025-02');
    expect(tehran.month(Date.parse('2025-01-31T20:00:00Z'))).toBe('2025-01');
  });

  it('knows the daylight time Iran kept until 2022 (+04:30 in summer) and its absence since', () => {
    expect(tehran.offsetMs(Date.parse('2021-07-01T12:00:00Z'))).toBe(4.5 * 3_600_000);
    expect(tehran.offsetMs(Date.parse('2021-01-01T12:00:00Z'))).toBe(3.5 * 3_600_000);
    expect(tehran.offsetMs(Date.parse('2023-07-01T12:00:00Z'))).toBe(3.5 * 3_600_000);
    // Summer 2021: a day ends at 19:30 UTC.
    expect(tehran.day('2021-07-01T19:29:59Z')).toBe('2021-07-01');
    expect(tehran.day('2021-07-01T19:30:00Z')).toBe('2021-07-02');
  });

  it('reads the day of a change of offset per instant', () => {
    // 2021-03-21 24:00 +03:30 became 2021-03-22 01:00 +04:30 (20:30 UTC); 2021-09-21 24:00 +04:30 became 23:00 +03:30.
    expect(tehran.offsetMs(Date.parse('2021-03-21T20:29:59Z'))).toBe(3.5 * 3_600_000);
    expect(tehran.offsetMs(Date.parse('2021-03-21T20:30:00Z'))).toBe(4.5 * 3_600_000);
    expect(tehran.offsetMs(Date.parse('2021-09-21T19:29:59Z'))).toBe(4.5 * 3_600_000);
    expect(tehran.offsetMs(Date.parse('2021-09-21T19:30:00Z'))).toBe(3.5 * 3_600_000);
  });

  it('gives each local day its first and last instant, also on the days the clock jumped', () => {
    expect(new Date(tehran.dayStart('2025-02-11')).toISOString()).toBe('2025-02-10T20:30:00.000Z');
    expect(new Date(tehran.dayEnd('2025-02-11')).toISOString()).toBe('2025-02-11T20:29:59.999Z');
    // 2021-03-22 began at 01:00: its first instant is the jump.
    expect(new Date(tehran.dayStart('2021-03-22')).toISOString()).toBe('2021-03-21T20:30:00.000Z');
    expect(new Date(tehran.dayEnd('2021-03-21')).toISOString()).toBe('2021-03-21T20:29:59.999Z');
    // 2021-09-22 began at the second midnight... there is one: 24:00 +04:30 went back to 23:00, so midnight is +03:30.
    expect(new Date(tehran.dayStart('2021-09-22')).toISOString()).toBe('2021-09-21T20:30:00.000Z');
    // A day of summer 2021 has 24 hours; the day that began with the jump 23, the day the clock went back 25.
    expect(tehran.dayEnd('2021-07-01') + 1 - tehran.dayStart('2021-07-01')).toBe(86_400_000);
    expect(tehran.dayEnd('2021-03-21') + 1 - tehran.dayStart('2021-03-21')).toBe(86_400_000);
    expect(tehran.dayEnd('2021-03-22') + 1 - tehran.dayStart('2021-03-22')).toBe(23 * 3_600_000);
    expect(tehran.dayEnd('2021-09-21') + 1 - tehran.dayStart('2021-09-21')).toBe(25 * 3_600_000);
  });

  it('round-trips every hour of two years through the wall clock, and day() agrees with dayStart/dayEnd', () => {
    const wrong: string[] = [];
    for (let t = Date.parse('2020-12-31T00:00:00Z'); t < Date.parse('2023-01-01T00:00:00Z'); t += 3_600_000 + 17_000) {
      const day = tehran.day(t);
      if (!(tehran.dayStart(day) <= t && t <= tehran.dayEnd(day))) wrong.push(`${new Date(t).toISOString()} outside ${day}`);
      const wall = tehran.toLocal(t);
      const back = tehran.fromLocal(wall);
      // Only the hour the clock went back reads twice; its first reading is the earlier instant.
      if (!(back === t || (tehran.toLocal(back) === wall && back < t))) wrong.push(`${new Date(t).toISOString()} came back ${back}`);
    }
    expect(wrong).toEqual([]);
  });

  it('counts whole local days and Jalali months on the local day', () => {
    expect(tehran.dayNumber(Date.parse('2025-02-10T21:00:00Z')) - tehran.dayNumber(Date.parse('2025-02-10T20:00:00Z'))).toBe(1);
    // 1 Farvardin 1404 is 21 March 2025; 20 March at 21:00 UTC is already the 21st in Tehran.
    expect(tehran.jalaliMonth('2025-03-20T21:00:00Z')).toBe('1404-01');
    expect(tehran.jalaliMonth('2025-03-20T20:00:00Z')).toBe('1403-12');
  });

  it('is plain UTC when configured so, and refuses a zone Intl does not know', () => {
    const utc = businessCalendar('UTC');
    expect(utc.day('2025-02-10T23:00:00Z')).toBe('2025-02-10');
    expect(utc.dayStart('2025-02-11')).toBe(Date.parse('2025-02-11T00:00:00Z'));
    expect(() => businessCalendar('Mars/Olympus')).toThrow(/Not an IANA time zone: "Mars\/Olympus"/);
  });

  it('gives a day-counting projection a version of its own in every zone but the default', () => {
    expect(zonedVersion(9, 'Asia/Tehran')).toBe(9);
    const utc = zonedVersion(9, 'UTC');
    const berlin = zonedVersion(9, 'Europe/Berlin');
    expect(utc).not.toBe(9);
    expect(berlin).not.toBe(utc);
    expect(Math.floor(utc / 1_000_000_000)).toBe(9);
    // Every zone Intl knows gets a number of its own (an outside probe found two sharing one among 100,000).
    const zones = Intl.supportedValuesOf('timeZone');
    expect(new Set(zones.map((zone) => zonedVersion(9, zone))).size).toBe(zones.length);
    expect(zonedVersion(10, 'UTC')).not.toBe(utc);
    // Stable: the same zone gives the same number in every process.
    expect(zonedVersion(9, 'UTC')).toBe(utc);
    expect(zonedVersion(9, BUSINESS_CALENDAR.timeZone)).toBe(zonedVersion(9));
  });
});
