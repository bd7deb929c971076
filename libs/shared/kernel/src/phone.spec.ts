import { codeOf } from './error-code.testing';
import { isIranianMobile, normalizePhone, parseIranianPhone } from './phone';

describe('parseIranianPhone', () => {
  it.each([
    ['09121234567'],
    ['9121234567'],
    ['+989121234567'],
    ['00989121234567'],
    ['989121234567'],
    ['0912 123 4567'],
    ['0912-123-4567'],
    ['(0912) 123-4567'],
    ['0912.123.4567'],
    ['+98 912 123 4567'],
    ['+98 (912) 123-45-67'],
    ['0098 912 123 4567'],
    ['+98 0912 123 4567'],
    ['  09121234567  '],
    ['۰۹۱۲۱۲۳۴۵۶۷'],
    ['+۹۸۹۱۲۱۲۳۴۵۶۷'],
    ['٠٩١٢١٢٣٤٥٦٧'],
    ['۰۹۱۲ ۱۲۳ ۴۵۶۷'],
    ['\u200E+98 912 123 4567\u200E'],
    // The Arabic letter mark, which Persian keyboards put around digits as they do the other bidi marks (an outside probe).
    ['۰۹۱۲\u061C۱۲۳۴۵۶۷'],
    ['＋９８９１２１２３４５６７'],
  ])('reads the mobile %j as +989121234567', (input) => {
    expect(parseIranianPhone(input)).toBe('+989121234567');
  });

  it.each([
    ['021-88776655', '+982188776655'],
    ['02188776655', '+982188776655'],
    ['+98 21 8877 6655', '+982188776655'],
    ['+98 (0)21 8877 6655', '+982188776655'],
    ['00982188776655', '+982188776655'],
    ['982188776655', '+982188776655'],
    ['(021) 8877-6655', '+982188776655'],
    ['۰۲۱-۸۸۷۷۶۶۵۵', '+982188776655'],
    ['031-32221100', '+983132221100'],
    ['051 38001234', '+985138001234'],
    ['071-36281234', '+987136281234'],
    ['041-35551234', '+984135551234'],
    ['011-33221100', '+981133221100'],
    ['087-33221100', '+988733221100'],
  ])('reads the landline %j as %s', (input, expected) => {
    expect(parseIranianPhone(input)).toBe(expected);
  });

  it('covers the mobile prefixes in use (090x, 091x, 092x, 093x, 099x)', () => {
    expect(parseIranianPhone('09011234567')).toBe('+989011234567');
    expect(parseIranianPhone('09351234567')).toBe('+989351234567');
    expect(parseIranianPhone('09221234567')).toBe('+989221234567');
    expect(parseIranianPhone('09901234567')).toBe('+989901234567');
  });

  it.each([
    [''],
    ['   '],
    ['0912123456'], // one digit short
    ['091212345678'], // one digit long
    ['+98912123456'],
    ['+9891212345678'],
    ['912123456'],
    ['0912abc4567'],
    ['۰۹۱۲ا۲۳۴۵۶۷'],
    ['0912+1234567'],
    ['00021 88776655'],
    ['021-8877665'], // subscriber number too short
    ['0021-88776655'], // area code cannot start with 0
    ['+98 01 88776655'],
    ['+4420794609588'], // not Iranian
    ['0912_123_4567'],
  ])('rejects %j with PHONE.INVALID', (input) => {
    expect(codeOf(() => parseIranianPhone(input))).toBe('PHONE.INVALID');
  });

  it('puts the original input in the error message', () => {
    expect(() => parseIranianPhone('0912')).toThrow('"0912"');
  });
});

describe('isIranianMobile', () => {
  it('tells mobiles from landlines and foreign numbers in E.164', () => {
    expect(isIranianMobile('+989121234567')).toBe(true);
    expect(isIranianMobile(parseIranianPhone('۰۹۳۵ ۱۲۳ ۴۵۶۷'))).toBe(true);
    expect(isIranianMobile('+982188776655')).toBe(false);
    expect(isIranianMobile('+447911123456')).toBe(false);
    expect(isIranianMobile('09121234567')).toBe(false); // not E.164
    expect(isIranianMobile('+9891212345678')).toBe(false);
  });
});

describe('normalizePhone', () => {
  it('normalizes Iranian numbers exactly like parseIranianPhone', () => {
    expect(normalizePhone('0912 123 4567')).toBe('+989121234567');
    expect(normalizePhone('۰۲۱-۸۸۷۷۶۶۵۵')).toBe('+982188776655');
    expect(normalizePhone('9121234567')).toBe('+989121234567');
  });

  it('keeps foreign numbers written in international form', () => {
    expect(normalizePhone('+44 20 7946 0958')).toBe('+442079460958');
    expect(normalizePhone('+1 (415) 555-2671')).toBe('+14155552671');
    expect(normalizePhone('+971-50-123-4567')).toBe('+971501234567');
    expect(normalizePhone('+۴۹ ۳۰ ۱۲۳۴۵۶۷۸')).toBe('+493012345678');
    expect(normalizePhone('+12345678')).toBe('+12345678'); // 8 digits, the shortest accepted
    expect(normalizePhone('+123456789012345')).toBe('+123456789012345'); // 15 digits, the E.164 maximum
  });

  it('rejects malformed foreign numbers and invalid +98 numbers', () => {
    expect(codeOf(() => normalizePhone('+1234567'))).toBe('PHONE.INVALID'); // 7 digits
    expect(codeOf(() => normalizePhone('+1234567890123456'))).toBe('PHONE.INVALID'); // 16 digits
    expect(codeOf(() => normalizePhone('+0123456789'))).toBe('PHONE.INVALID'); // no country code starts with 0
    expect(codeOf(() => normalizePhone('+44 20 7946 095x'))).toBe('PHONE.INVALID');
    expect(codeOf(() => normalizePhone('+98 912 123 45'))).toBe('PHONE.INVALID');
    expect(codeOf(() => normalizePhone('442079460958'))).toBe('PHONE.INVALID'); // foreign needs the +
    expect(codeOf(() => normalizePhone(''))).toBe('PHONE.INVALID');
  });
});
