import { legalIdCheckDigit, nationalIdFault, personIdCheckDigit } from './national-id';

describe('national ids', () => {
  it('takes published valid ids of people and legal entities', () => {
    for (const id of ['0499370899', '0076229645', '1583250689', '10380284790']) expect({ id, fault: nationalIdFault(id) }).toEqual({ id });
  });

  it('computes the check digits those ids end with', () => {
    expect(personIdCheckDigit('049937089')).toBe(9);
    expect(personIdCheckDigit('007622964')).toBe(5);
    expect(legalIdCheckDigit('1038028479')).toBe(0);
  });

  it('refuses every other last digit, a digit repeated, and an all-zero serial, saying which', () => {
    for (const [valid, others] of [
      ['0499370899', 10],
      ['10380284790', 11],
    ] as const) {
      const body = valid.slice(0, others - 1);
      const wrong = [...'0123456789'].filter((d) => `${body}${d}` !== valid);
      expect(wrong).toHaveLength(9);
      for (const digit of wrong) expect(nationalIdFault(`${body}${digit}`)).toBe('has a wrong check digit');
    }
    // A digit mistyped, or two neighbours swapped.
    expect(nationalIdFault('0499370989')).toBe('has a wrong check digit');
    expect(nationalIdFault('0499371899')).toBe('has a wrong check digit');
    expect(nationalIdFault('1111111111')).toBe('is one digit repeated');
    expect(nationalIdFault('0000000000')).toBe('is one digit repeated');
    const zeroSerial = `103000000${0}`;
    expect(nationalIdFault(`${zeroSerial}${legalIdCheckDigit(zeroSerial)}`)).toBe('has an all-zero serial');
    expect(nationalIdFault('123')).toBe('is not 10 or 11 digits');
  });
});
