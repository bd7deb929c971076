/**
 * Iran's national ids and their check digits: a person's کد ملی (10 digits) and a legal entity's شناسه ملی
 * (11 digits). The last digit of each is computed from the others, so a digit typed wrong or two swapped are caught
 * where the id is given rather than found later on an invoice.
 */

const LEGAL_ID_WEIGHTS = [29, 27, 23, 19, 17, 29, 27, 23, 19, 17] as const;

const digitsOf = (id: string): number[] => [...id].map(Number);

/** The check digit of a person's id from its first 9 digits: Σ dᵢ·(10 − i) mod 11, below 2 as it is, else 11 − it. */
export function personIdCheckDigit(first9: string): number {
  const rest = digitsOf(first9).reduce((sum, digit, i) => sum + digit * (10 - i), 0) % 11;
  return rest < 2 ? rest : 11 - rest;
}

/** The check digit of a legal entity's id from its first 10 digits: Σ (dᵢ + d₉ + 2)·wᵢ mod 11, 10 read as 0. */
export function legalIdCheckDigit(first10: string): number {
  const digits = digitsOf(first10);
  const shift = (digits[9] ?? 0) + 2;
  const rest = digits.reduce((sum, digit, i) => sum + (digit + shift) * (LEGAL_ID_WEIGHTS[i] ?? 0), 0) % 11;
  return rest === 10 ? 0 : rest;
}

/**
 * Why `id` (10 or 11 Latin digits) is not a national id, or undefined when it is one: its check digit, a person's
 * id of one digit repeated, a legal entity's id whose serial (digits 4 to 9) is all zeros.
 */
export function nationalIdFault(id: string): string | undefined {
  if (!/^[0-9]{10,11}$/.test(id)) return 'is not 10 or 11 digits';
  if (id.length === 10) {
    if (/^(\d)\1{9}$/.test(id)) return 'is one digit repeated';
    return personIdCheckDigit(id.slice(0, 9)) === Number(id[9]) ? undefined : 'has a wrong check digit';
  }
  if (/^0{6}$/.test(id.slice(3, 9))) return 'has an all-zero serial';
  return legalIdCheckDigit(id.slice(0, 10)) === Number(id[10]) ? undefined : 'has a wrong check digit';
}
