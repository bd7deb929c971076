import { codePointLength, textFault } from './text-rules';

describe('textFault', () => {
  it('accepts Persian text with ZWNJ, bidi marks, emoji, tabs and line breaks', () => {
    for (const text of ['می‌خواهم', '\u200fسلام\u200e', 'خوب 👍', 'خط اول\nخط دوم\r\n\tتورفتگی', '']) {
      expect(textFault(text)).toBeUndefined();
    }
  });

  it('refuses NUL, other C0 controls, DEL and C1 controls', () => {
    for (const text of ['a\u0000b', 'a\u0007', '\u001b[31mred', 'a\u000b', 'x\u007f', 'x\u0085', 'x\u009b']) {
      expect(textFault(text)).toBe('must not contain control characters');
    }
  });

  it('refuses a lone surrogate of either half, and keeps a proper pair', () => {
    expect(textFault('a\ud800b')).toMatch(/lone surrogate/);
    expect(textFault('\udc00')).toMatch(/lone surrogate/);
    expect(textFault('😀'.slice(0, 1))).toMatch(/lone surrogate/);
    expect(textFault('😀')).toBeUndefined();
  });
});

describe('codePointLength', () => {
  it('counts code points as JSON Schema does', () => {
    expect(codePointLength('abc')).toBe(3);
    expect(codePointLength('😀😀')).toBe(2);
    expect(codePointLength('سلام')).toBe(4);
    expect(codePointLength('\ud800')).toBe(1);
  });
});
