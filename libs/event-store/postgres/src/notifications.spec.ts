import { appendedFromPayload } from './notifications';

describe('appendedFromPayload', () => {
  it('reads the categories and types of a commit from its category:type pairs', () => {
    expect(appendedFromPayload('lead:LeadCaptured leadkey:LeadKeyClaimed')).toEqual({
      categories: ['lead', 'leadkey'],
      types: ['LeadCaptured', 'LeadKeyClaimed'],
    });
  });

  it.each([[undefined], [''], ['lead'], ['lead:'], [':LeadCaptured'], ['lead:LeadCaptured  quote:QuoteSent']])(
    'takes %j as of unknown kinds, so every subscription reads',
    (payload) => {
      expect(appendedFromPayload(payload)).toBeUndefined();
    },
  );
});
