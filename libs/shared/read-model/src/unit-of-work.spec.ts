import { InMemoryReadStore } from './in-memory-read-store';
import { UnitOfWork } from './unit-of-work';

describe('UnitOfWork', () => {
  it('collapses writes to one per document and per state, in the order that matters', () => {
    const unit = new UnitOfWork(new InMemoryReadStore());
    unit.put('c', '1', { v: 1 });
    unit.put('c', '1', { v: 2 }, '9');
    unit.delete('c', '2');
    unit.saveState({ name: 'p', version: 2 });
    unit.saveCheckpoint('p', '9');
    unit.deleteState('q');
    unit.saveCheckpoint('q', '3');
    unit.saveCheckpoint('r', '4');
    expect(unit.changes()).toEqual({
      documents: [
        { collection: 'c', id: '1', json: '{"v":2}', position: '9' },
        { collection: 'c', id: '2', json: null, position: undefined },
      ],
      states: [
        { kind: 'state', state: { name: 'p', version: 2, checkpoint: '9' } },
        { kind: 'state', state: { name: 'q', checkpoint: '3' } },
        { kind: 'checkpoint', name: 'r', checkpoint: '4' },
      ],
    });
  });
});
