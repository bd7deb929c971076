import { DEFAULT_TIER_RULES, parseTierRules, tierOf, TierRulesError } from './tier';

describe('tierOf (first matching rule of the table)', () => {
  it('maps segment and monetary score through the default table', () => {
    expect(tierOf({ segment: 'champions', monetaryScore: 5, churned: false })).toEqual({
      name: 'platinum',
      discountPercent: 15,
      creditLevel: 'high',
    });
    expect(tierOf({ segment: 'champions', monetaryScore: 3, churned: false })).toEqual({
      name: 'gold',
      discountPercent: 10,
      creditLevel: 'medium',
    });
    expect(tierOf({ segment: 'at_risk', monetaryScore: 3, churned: false })).toMatchObject({ name: 'win_back', creditLevel: 'low' });
    expect(tierOf({ segment: 'at_risk', monetaryScore: 2, churned: false })).toMatchObject({ name: 'standard', discountPercent: 0 });
    expect(tierOf({ segment: 'new', monetaryScore: 1, churned: false })).toMatchObject({ name: 'silver', discountPercent: 5 });
    expect(tierOf({ segment: 'prospect', churned: false })).toMatchObject({ name: 'standard', creditLevel: 'none' });
  });

  it('gives a lost customer no discount and no credit, whatever its scores', () => {
    expect(tierOf({ segment: 'champions', monetaryScore: 5, churned: true })).toEqual({
      name: 'churned',
      discountPercent: 0,
      creditLevel: 'none',
    });
  });

  it('uses a table given to it', () => {
    const rules = parseTierRules(
      '[{"tier":"vip","minMonetaryScore":5,"churned":false,"discountPercent":20,"creditLevel":"high"},{"tier":"rest","discountPercent":0,"creditLevel":"none"}]',
    );
    expect(tierOf({ segment: 'hibernating', monetaryScore: 5, churned: false }, rules)).toEqual({
      name: 'vip',
      discountPercent: 20,
      creditLevel: 'high',
    });
    expect(tierOf({ segment: 'hibernating', monetaryScore: 5, churned: true }, rules)).toMatchObject({ name: 'rest' });
  });
});

describe('parseTierRules (CRM_TIER_RULES)', () => {
  const problems = (json: string): readonly string[] => {
    try {
      parseTierRules(json);
    } catch (error) {
      if (error instanceof TierRulesError) return error.problems;
      throw error;
    }
    return [];
  };

  it('accepts the default table written as JSON', () => {
    expect(parseTierRules(JSON.stringify(DEFAULT_TIER_RULES))).toEqual(DEFAULT_TIER_RULES);
  });

  it('lists every problem at once', () => {
    expect(problems('not json')[0]).toMatch(/^not JSON/);
    expect(problems('[]')).toEqual(['must be a non-empty JSON array of rules']);
    expect(
      problems(
        '[{"tier":"","segments":["vip"],"minMonetaryScore":6,"churned":"no","discountPercent":120,"creditLevel":"huge","colour":"red"}, 3]',
      ),
    ).toEqual([
      '[0].colour is not a rule field',
      '[0].tier must be a name of 1–50 characters',
      expect.stringMatching(/^\[0\]\.segments must be a non-empty list of champions, /),
      '[0].minMonetaryScore must be an integer from 1 to 5',
      '[0].churned must be true or false',
      '[0].discountPercent must be a number from 0 to 100',
      '[0].creditLevel must be one of none, low, medium, high',
      '[1] must be an object',
    ]);
  });

  it('requires a catch-all last rule, so every customer gets a tier', () => {
    expect(problems('[{"tier":"gold","segments":["loyal"],"discountPercent":10,"creditLevel":"medium"}]')).toEqual([
      'the last rule must have no conditions, so every customer gets a tier',
    ]);
  });
});
