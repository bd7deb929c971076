import { streamCategory, streamIdOf } from './event';

describe('stream names', () => {
  const id = '0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d';

  it('splits {category}-{uuid} even when the category has a dash', () => {
    expect(streamCategory(streamIdOf('lead', id))).toBe('lead');
    expect(streamCategory(streamIdOf('marketing-list', id))).toBe('marketing-list');
    expect(streamCategory(streamIdOf('survey-response', id))).toBe('survey-response');
  });

  it('splits other ids at the first dash, like EventStoreDB', () => {
    expect(streamCategory('test-abc-def')).toBe('test');
    expect(streamCategory('orphan')).toBe('orphan');
  });
});
