import { domainToASCII } from 'node:url';
import { contactPointForm, isEmail, normalizeEmail } from './email';
import { codeOf } from './error-code.testing';

describe('normalizeEmail', () => {
  it('trims and lower-cases', () => {
    expect(normalizeEmail('  Ali.Rezaei@Example.COM ')).toBe('ali.rezaei@example.com');
    expect(normalizeEmail('SARA@DIGIKALA.IR')).toBe('sara@digikala.ir');
  });

  it('keeps dots and plus tags, which are provider-specific', () => {
    expect(normalizeEmail('a.l.i+crm@gmail.com')).toBe('a.l.i+crm@gmail.com');
    expect(normalizeEmail('first.last+tag@sub.example.co.ir')).toBe('first.last+tag@sub.example.co.ir');
  });

  it('converts Persian and Arabic-Indic digits typed in a Persian keyboard layout', () => {
    expect(normalizeEmail('reza۱۳۷۰@example.com')).toBe('reza1370@example.com');
    expect(normalizeEmail('info@shop٢٤.ir')).toBe('info@shop24.ir');
  });

  it('applies NFKC (full-width letters) and drops bidi marks pasted from RTL text', () => {
    expect(normalizeEmail('ａｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ')).toBe('ali@example.com');
    expect(normalizeEmail('\u200Fali@example.com\u200E')).toBe('ali@example.com');
    // The Arabic letter mark, dropped as the other bidi marks are (the phone rule took it out first: a review).
    expect(normalizeEmail('\u061Cali@example.com\u061C')).toBe('ali@example.com');
    expect(normalizeEmail('\u202Aali@example.com\u202C')).toBe('ali@example.com');
  });

  it('accepts internationalized addresses and punycode domains', () => {
    expect(normalizeEmail('علی@مثال.ایران')).toBe('علی@مثال.ایران');
    expect(normalizeEmail('info@xn--mgba3a4f16a.ir')).toBe('info@xn--mgba3a4f16a.ir');
    expect(normalizeEmail('user@Example.XN--MGBA3A4F16A')).toBe('user@example.xn--mgba3a4f16a');
    expect(normalizeEmail("o'brien_x-y@my-company.io")).toBe("o'brien_x-y@my-company.io");
  });

  it.each([
    [''],
    ['   '],
    ['ali'],
    ['ali@'],
    ['@example.com'],
    ['ali@example'],
    ['ali@@example.com'],
    ['ali@exa mple.com'],
    ['ali rezaei@example.com'],
    ['ali@example.c'],
    ['ali@example.123'],
    ['.ali@example.com'],
    ['ali.@example.com'],
    ['ali..rezaei@example.com'],
    ['ali@-example.com'],
    ['ali@example-.com'],
    ['ali@example..com'],
    ['ali@.example.com'],
    ['ali@example.com.'],
    ['ali(at)example.com'],
    ['ali@exam_ple.com'],
    ['<ali@example.com>'],
    ['علی\u200Cرضا@example.com'],
  ])('rejects %j with EMAIL.INVALID', (input) => {
    expect(codeOf(() => normalizeEmail(input))).toBe('EMAIL.INVALID');
  });

  it('enforces the 254-character total and 64-character local-part limits', () => {
    const domain = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.com`; // 195 chars
    const local58 = 'x'.repeat(58);
    expect(`${local58}@${domain}`.length).toBe(254);
    expect(normalizeEmail(`${local58}@${domain}`)).toBe(`${local58}@${domain}`);
    expect(codeOf(() => normalizeEmail(`${local58}x@${domain}`))).toBe('EMAIL.INVALID');
    expect(normalizeEmail(`${'x'.repeat(64)}@example.com`)).toHaveLength(76);
    expect(codeOf(() => normalizeEmail(`${'x'.repeat(65)}@example.com`))).toBe('EMAIL.INVALID');
    expect(codeOf(() => normalizeEmail(`ali@${'a'.repeat(64)}.com`))).toBe('EMAIL.INVALID');
  });

  it('names the offending input in the error', () => {
    expect(() => normalizeEmail('not-an-email')).toThrow('"not-an-email"');
  });
});

describe('contactPointForm', () => {
  it('reads a punycode domain as the Unicode it stands for: one mailbox written either way is one person', () => {
    // An outside probe: زهرا@مثال.ایران on a lead and زهرا@xn--mgbh0fb.xn--mgba3a4f16a on a complaint were two people
    // to an erasure.
    const point = (email: string) => contactPointForm(`email:${normalizeEmail(email)}`);
    expect(point('زهرا@xn--mgbh0fb.xn--mgba3a4f16a')).toBe(point('زهرا@مثال.ایران'));
    expect(point('user@Example.XN--MGBA3A4F16A')).toBe('email:user@example.ایران');
    // Decoded, then normalised as the Unicode form is: a Persian digit in the domain reads as its ASCII one.
    expect(point(`z@${domainToASCII('مثال۱.ایران')}`)).toBe(point('z@مثال۱.ایران'));
    // Not valid punycode, no punycode, a phone: as they are.
    expect(point('user@xn--zz.com')).toBe('email:user@xn--zz.com');
    expect(point('sara@example.com')).toBe('email:sara@example.com');
    expect(contactPointForm('phone:+989121234567')).toBe('phone:+989121234567');
  });
});

describe('isEmail', () => {
  it('answers without throwing', () => {
    expect(isEmail(' Ali@Example.com ')).toBe(true);
    expect(isEmail('reza۱۳۷۰@example.com')).toBe(true);
    expect(isEmail('ali@example')).toBe(false);
    expect(isEmail('')).toBe(false);
  });
});
