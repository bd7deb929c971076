import { matchKey, normalizePersian, persianSortKey, referenceKey, toAsciiDigits, toPersianDigits } from './persian-text';
import { isBlank } from './fields';

const ZWNJ = '\u200C';

describe('normalizePersian', () => {
  it('folds Arabic yeh and alef maksura into Persian yeh: علي / علی / على', () => {
    expect('علي').not.toBe('علی');
    expect(normalizePersian('علي')).toBe('علی');
    expect(normalizePersian('على')).toBe('علی');
    expect(normalizePersian('علی')).toBe('علی');
    expect(normalizePersian('علي')).toBe('\u0639\u0644\u06CC');
  });

  it('folds Arabic kaf into Persian keheh: كريم / کریم', () => {
    expect(normalizePersian('كريم')).toBe('کریم');
    expect(normalizePersian('كريم')).toBe(normalizePersian('کریم'));
    expect(normalizePersian('بانك ملي')).toBe('بانک ملی');
  });

  it('folds teh marbuta, heh with yeh above, hamzated alefs and alef wasla; keeps آ', () => {
    expect(normalizePersian('فاطمة')).toBe('فاطمه');
    expect(normalizePersian('خانۀ من')).toBe('خانه من');
    expect(normalizePersian('خانهٔ من')).toBe('خانه من'); // ه + combining hamza above
    expect(normalizePersian('أحمد')).toBe('احمد');
    expect(normalizePersian('إسلام')).toBe('اسلام');
    expect(normalizePersian('ٱلله')).toBe('الله');
    expect(normalizePersian('آرش')).toBe('آرش');
    expect(normalizePersian('آبادان')).toBe('\u0622بادان');
  });

  it('removes harakat: مُحَمَّد → محمد', () => {
    expect(normalizePersian('مُحَمَّد')).toBe('محمد');
    expect(normalizePersian('مُحَمَّدرِضا')).toBe('محمدرضا');
    expect(normalizePersian('کِتابً')).toBe('کتاب');
    expect(normalizePersian('رحمٰن')).toBe('رحمن'); // superscript alef
  });

  it('removes tatweel: سـلام → سلام', () => {
    expect(normalizePersian('سـلام')).toBe('سلام');
    expect(normalizePersian('تهـــران')).toBe('تهران');
  });

  it('turns ZWNJ into a space: می‌خواهم (ZWNJ) and می خواهم agree', () => {
    const withZwnj = `مي${ZWNJ}خواهم`;
    expect(withZwnj).toContain(ZWNJ);
    expect(normalizePersian(withZwnj)).toBe('می خواهم');
    expect(normalizePersian('می خواهم')).toBe('می خواهم');
    expect(normalizePersian(`کتاب${ZWNJ}ها`)).toBe('کتاب ها');
  });

  it('drops ZWJ, bidi marks and BOM, which are invisible', () => {
    expect(normalizePersian('\uFEFFسلام')).toBe('سلام');
    expect(normalizePersian('\u200Fرضا\u200E')).toBe('رضا');
    expect(normalizePersian('\u202Bتهران\u202C')).toBe('تهران');
    expect(normalizePersian('\u2067شیراز\u2069')).toBe('شیراز');
    expect(normalizePersian('ک\u200Dتاب')).toBe('کتاب');
    expect(normalizePersian('a\u200Bb')).toBe('a b');
  });

  it('drops every character Unicode draws as nothing: text of only those is blank', () => {
    // Arabic letter mark, word joiner, Hangul fillers, blank braille, grapheme joiner, variation selector, Mongolian
    // vowel separator, soft hyphen, a tag character.
    for (const mark of ['\u061C', '\u2060', '\u3164', '\uFFA0', '\u2800', '\u034F', '\uFE0F', '\u180E', '\u00AD', '\u{E0041}']) {
      expect({
        mark: mark.codePointAt(0)?.toString(16),
        normalized: normalizePersian(`رضا${mark}`),
        blank: isBlank(`${mark} \u200C`),
      }).toEqual({
        mark: mark.codePointAt(0)?.toString(16),
        normalized: 'رضا',
        blank: true,
      });
    }
  });

  it('converts Persian and Arabic-Indic digits to ASCII', () => {
    expect(normalizePersian('۰۹۱۲۳۴۵۶۷۸۹')).toBe('09123456789');
    expect(normalizePersian('٠٩١٢')).toBe('0912');
    expect(normalizePersian('پلاک ۱۲، واحد ٣')).toBe('پلاک 12, واحد 3');
  });

  it('maps Arabic punctuation to ASCII', () => {
    expect(normalizePersian('تخفیف ۱۲٫۵٪')).toBe('تخفیف 12.5%');
    expect(normalizePersian('چرا؟')).toBe('چرا?');
    expect(normalizePersian('الف؛ ب')).toBe('الف; ب');
  });

  it('lower-cases Latin, applies NFKC and collapses whitespace: Ali  REZAEI', () => {
    expect(normalizePersian('  Ali  REZAEI ')).toBe('ali rezaei');
    expect(normalizePersian('ＡＬＩ\u00A0Rezaei')).toBe('ali rezaei'); // full-width letters, NBSP
    expect(normalizePersian('علی\t\n رضایی')).toBe('علی رضایی');
    expect(normalizePersian('ﻻ')).toBe('لا'); // presentation-form ligature
    expect(normalizePersian('')).toBe('');
    expect(normalizePersian(' \u200C ')).toBe('');
  });

  it('is idempotent', () => {
    const samples = ['مُحَمَّد رضـا كريمي', `مي${ZWNJ}خواهم`, 'Ali  REZAEI ۱۲۳', 'فاطمة\u200Fالزهراء'];
    for (const sample of samples) {
      const once = normalizePersian(sample);
      expect(normalizePersian(once)).toBe(once);
    }
  });
});

describe('referenceKey', () => {
  it('reads an invoice number as a person does: digits of any script, Persian letters, no joiners or marks', () => {
    const key = referenceKey('INV-1403-77');
    expect(key).toBe('INV-1403-77');
    for (const spelling of ['INV-۱۴۰۳-۷۷', 'INV-١٤٠٣-٧٧', `INV${ZWNJ}-1403-77`, ' INV-1403-77 ', 'ＩＮＶ-1403-77', 'INV-1403\u200d-77']) {
      expect(referenceKey(spelling)).toBe(key);
    }
    expect(referenceKey('فاكتور-۱')).toBe(referenceKey('فاکتور-1'));
    // Dashes a word processor types for a hyphen (an outside probe had each recorded as another purchase).
    for (const dash of ['\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212', '\uFE63', '\uFF0D']) {
      expect(referenceKey(`INV${dash}1403${dash}77`)).toBe(key);
    }
  });

  it('keeps superscript and circled digits apart from digits: another code, not another spelling', () => {
    expect(referenceKey('INV-1403-7⁷')).not.toBe(referenceKey('INV-1403-77'));
    expect(referenceKey('INV-1403-7⑦')).not.toBe(referenceKey('INV-1403-77'));
  });

  it('keeps case, and spaces between words (as one)', () => {
    expect(referenceKey('inv-1')).not.toBe(referenceKey('INV-1'));
    expect(referenceKey('INV  1')).toBe('INV 1');
    expect(referenceKey('INV 1')).not.toBe(referenceKey('INV1'));
  });
});

describe('matchKey', () => {
  it('makes ZWNJ, space and no separator agree: می‌خواهم / می خواهم / میخواهم', () => {
    const key = matchKey('میخواهم');
    expect(key).toBe('میخواهم');
    expect(matchKey(`مي${ZWNJ}خواهم`)).toBe(key);
    expect(matchKey('می خواهم')).toBe(key);
  });

  it('removes whitespace and punctuation but keeps letters and digits of every script', () => {
    expect(matchKey('Ali-Rezaei')).toBe(matchKey('ali rezaei'));
    expect(matchKey('Ali-Rezaei')).toBe('alirezaei');
    expect(matchKey('شرکت «آریا»، تهران.')).toBe('شرکتآریاتهران');
    expect(matchKey('Café ۱۲')).toBe('café12');
  });

  it('matches real-world variants of the same name', () => {
    expect(matchKey('مُحَمَّد كريمي')).toBe(matchKey('محمد کریمی'));
    expect(matchKey(`محمد${ZWNJ}کریمی`)).toBe(matchKey('محمد کریمی'));
    expect(matchKey('سـلام')).toBe(matchKey('سلام'));
    expect(matchKey('علي')).not.toBe(matchKey('علیرضا'));
  });
});

describe('toAsciiDigits', () => {
  it('converts both digit sets and leaves everything else alone', () => {
    expect(toAsciiDigits('۰۱۲۳۴۵۶۷۸۹')).toBe('0123456789');
    expect(toAsciiDigits('٠١٢٣٤٥٦٧٨٩')).toBe('0123456789');
    expect(toAsciiDigits('کد ۱۴۰۳-A')).toBe('کد 1403-A');
    expect(toAsciiDigits('abc')).toBe('abc');
  });
});

describe('toPersianDigits', () => {
  it('renders ASCII and Arabic-Indic digits as Persian digits for display', () => {
    expect(toPersianDigits('0123456789')).toBe('۰۱۲۳۴۵۶۷۸۹');
    expect(toPersianDigits('٠١٢٣')).toBe('۰۱۲۳');
    expect(toPersianDigits(1403)).toBe('۱۴۰۳');
    expect(toPersianDigits('1403/01/01')).toBe('۱۴۰۳/۰۱/۰۱');
    expect(toPersianDigits('۱۲')).toBe('۱۲');
  });

  it('round-trips with toAsciiDigits', () => {
    expect(toAsciiDigits(toPersianDigits('09121234567'))).toBe('09121234567');
  });
});

describe('persianSortKey', () => {
  // An outside probe: the deal list's sort by name was code-point order, so پ, چ, ژ, ک and گ came after و, and a name
  // typed on an Arabic keyboard (كيان) far from کیان.
  it('orders names as a Persian reader does, whatever the keyboard, in plain binary order', () => {
    const names = [
      'گلستان',
      'ب',
      'Zeta',
      'لاله',
      'كيان',
      'وحید',
      'پارس',
      'alpha',
      'تهران',
      'چوب',
      'ژاله',
      '۱۲ قرارداد',
      'آرمان',
      'یاس',
      'الف',
      '2 قرارداد',
      'کیان',
    ];
    const sorted = [...names].sort((a, b) => {
      const [x, y] = [persianSortKey(a), persianSortKey(b)];
      return x < y ? -1 : x > y ? 1 : 0;
    });
    expect(sorted).toEqual([
      '۱۲ قرارداد',
      '2 قرارداد',
      'آرمان',
      'الف',
      'ب',
      'پارس',
      'تهران',
      'چوب',
      'ژاله',
      'كيان',
      'کیان',
      'گلستان',
      'لاله',
      'وحید',
      'یاس',
      'alpha',
      'Zeta',
    ]);
    expect(persianSortKey('كيان')).toBe(persianSortKey('کیان'));
    // Only [0-9a-z]: a database collation that ignores punctuation or case orders the keys the same way.
    expect(names.every((name) => /^[0-9a-z]+$/.test(persianSortKey(name)))).toBe(true);
    // A shorter name first; a space before any letter ("علی رضا" before "علیرضا").
    expect(persianSortKey('علی') < persianSortKey('علی رضا')).toBe(true);
    expect(persianSortKey('علی رضا') < persianSortKey('علیرضا')).toBe(true);
  });
});
