/**
 * Keys for matching and dedupe of Persian text. The original string is what gets stored
 * and displayed; these functions only decide whether two spellings are "the same".
 *
 * Persian text typed on Arabic keyboards, pasted from Word or from the web carries
 * look-alike letters (ي/ی, ك/ک), harakat, tatweel, invisible joiners and bidi marks,
 * and three sets of digits. None of that changes what a human reads.
 */

const PERSIAN_ZERO = 0x06f0;
const ARABIC_INDIC_ZERO = 0x0660;

/** Letters and punctuation folded to the form a Persian keyboard produces. */
const CHARACTER_MAP: Readonly<Record<string, string>> = {
  '\u064A': '\u06CC', // Arabic yeh ي → Persian yeh ی
  '\u0649': '\u06CC', // alef maksura ى → ی
  '\u0643': '\u06A9', // Arabic kaf ك → Persian keheh ک
  '\u0629': '\u0647', // teh marbuta ة → ه
  '\u06C0': '\u0647', // heh with yeh above ۀ → ه (ezafe is also typed as ه + hamza mark, removed below)
  '\u0623': '\u0627', // أ → ا
  '\u0625': '\u0627', // إ → ا
  '\u0671': '\u0627', // alef wasla ٱ → ا
  '\u060C': ',', // Arabic comma ،
  '\u061B': ';', // Arabic semicolon ؛
  '\u061F': '?', // Arabic question mark ؟
  '\u066A': '%', // Arabic percent ٪
  '\u066B': '.', // Arabic decimal separator ٫
  '\u066C': ',', // Arabic thousands separator ٬
};
const MAPPED = new RegExp(`[${Object.keys(CHARACTER_MAP).join('')}]`, 'g');

// Harakat, superscript alef and Quranic annotation marks: pronunciation hints, rarely typed consistently.
const DIACRITICS = /[\u064B-\u065F\u0670\u06D6-\u06DC\u06DF-\u06E8\u06EA-\u06ED]/g;
// Tatweel only stretches the line; what Unicode says to draw as nothing (ZWJ, bidi marks among them the Arabic
// letter mark, BOM, soft hyphen, variation selectors, word joiner, Hangul fillers, tags) is invisible formatting, and
// so is the blank braille pattern. ZWNJ and the zero-width space are word breaks (below), replaced before.
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\u0640\u2800]/gu;
// ZWNJ separates the parts of a word (می‌خواهم); writers use a space or nothing instead,
// so it becomes a space here and matchKey removes spaces for the "nothing" case.
const WORD_BREAKS = /[\u200B\u200C]/g;
const PERSIAN_OR_ARABIC_DIGIT = /[\u06F0-\u06F9\u0660-\u0669]/g;
const ASCII_OR_ARABIC_DIGIT = /[0-9\u0660-\u0669]/g;

export function toAsciiDigits(text: string): string {
  return text.replace(PERSIAN_OR_ARABIC_DIGIT, (digit) => {
    const code = digit.charCodeAt(0);
    const base = code >= PERSIAN_ZERO ? PERSIAN_ZERO : ARABIC_INDIC_ZERO;
    return String.fromCharCode(0x30 + code - base);
  });
}

/** For display only: stored and compared values keep ASCII digits. */
export function toPersianDigits(value: string | number): string {
  return String(value).replace(ASCII_OR_ARABIC_DIGIT, (digit) => {
    const code = digit.charCodeAt(0);
    const base = code >= ARABIC_INDIC_ZERO ? ARABIC_INDIC_ZERO : 0x30;
    return String.fromCharCode(PERSIAN_ZERO + code - base);
  });
}

/**
 * Canonical spelling for comparison: NFKC (presentation forms, full-width Latin, NBSP),
 * Persian letters, no diacritics or invisible marks, ASCII digits, lower-case, single spaces.
 * Word boundaries survive (ZWNJ becomes a space), so it still reads as text.
 */
export function normalizePersian(text: string): string {
  return toAsciiDigits(
    text
      .normalize('NFKC')
      .replace(MAPPED, (ch) => CHARACTER_MAP[ch] ?? ch)
      .replace(DIACRITICS, '')
      .replace(WORD_BREAKS, ' ')
      .replace(INVISIBLE, ''),
  )
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Dedupe key: normalizePersian without spaces or punctuation, so "می‌خواهم", "می خواهم"
 * and "میخواهم", or "Ali-Rezaei" and "ali rezaei", give the same key. Letters and digits
 * of every script are kept.
 */
export function matchKey(text: string): string {
  return normalizePersian(text).replace(/[^\p{L}\p{M}\p{N}]/gu, '');
}

// What a keyboard or a paste makes of ordinary characters: full-width Latin and digits, Arabic presentation forms. Other
// compatibility characters (a superscript 7, a circled 7) are other characters in a code, not another spelling.
const TYPED_FORMS = /[\uFB50-\uFDFF\uFE70-\uFEFF\uFF00-\uFFEF]/g;
// Hyphens and dashes a word processor puts for a typed hyphen-minus (hyphen, non-breaking hyphen, figure dash, en and
// em dash, minus sign, small and full-width hyphen-minus).
const DASHES = /[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/g;

/**
 * The form under which an external reference (an invoice number) is compared: what a human reads, much as
 * normalizePersian spells it (Persian letters, no diacritics, ASCII digits, single spaces; full-width and presentation
 * forms as typed, every dash a hyphen, but superscripts and circled digits kept apart), with the invisible marks and
 * joiners (ZWNJ included) removed rather than read as spaces, and the case kept, since another system's codes may tell
 * cases apart. `INV-۱۴۰۳-۷۷`, `INV-١٤٠٣-٧٧` and `INV\u200c-1403-77` are `INV-1403-77`; `فاكتور-1` is `فاکتور-1`.
 */
export function referenceKey(text: string): string {
  return toAsciiDigits(
    text
      .normalize('NFC')
      .replace(TYPED_FORMS, (ch) => ch.normalize('NFKC'))
      .replace(DASHES, '-')
      .replace(MAPPED, (ch) => CHARACTER_MAP[ch] ?? ch)
      .replace(DIACRITICS, '')
      .replace(WORD_BREAKS, '')
      .replace(INVISIBLE, ''),
  )
    .replace(/\s+/g, ' ')
    .trim();
}

/** The Persian alphabet in its dictionary order (ؤ sorts as و, ئ as ی). */
const PERSIAN_ALPHABET = 'ءآابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی';
const ALPHABET_RANK: ReadonlyMap<string, number> = new Map([
  ...[...PERSIAN_ALPHABET].map((letter, rank) => [letter, rank] as const),
  ['\u0624', PERSIAN_ALPHABET.indexOf('و')],
  ['\u0626', PERSIAN_ALPHABET.indexOf('ی')],
]);

/**
 * A key whose plain (code-unit, binary or "C") order is the Persian reading order of `text`: spaces first, then
 * digits, the Persian alphabet in dictionary order (پ after ب, چ after ج, ژ after ز, گ after ک), Latin letters,
 * then anything else by code point; spelled as normalizePersian spells it, so Arabic ي/ك, Persian digits and case
 * do not move a name. Every character becomes two or five of [0-9a-z], which every store's collation orders alike.
 */
export function persianSortKey(text: string): string {
  let key = '';
  for (const ch of normalizePersian(text)) {
    const rank = ALPHABET_RANK.get(ch);
    if (ch === ' ') key += '00';
    else if (ch >= '0' && ch <= '9') key += `1${ch}`;
    else if (rank !== undefined) key += `2${rank.toString(36)}`;
    else if (ch >= 'a' && ch <= 'z') key += `3${ch}`;
    else key += `4${(ch.codePointAt(0) ?? 0).toString(36).padStart(4, '0')}`;
  }
  return key;
}
