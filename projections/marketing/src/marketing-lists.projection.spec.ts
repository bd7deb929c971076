import { at, listCreated, membersAdded, membersRemoved } from '@crm/projections/testing';
import { projectionSpec } from '@crm/shared/testing';
import { marketingListMembers, marketingLists } from './marketing-lists.projection';

const criteria = { match: 'all' as const, conditions: [{ field: 'industry', operator: 'eq' as const, value: 'فولاد' }] };

describe('marketing-lists projection', () => {
  it('keeps each list with its member type, kind and, for a dynamic one, its criteria', () => {
    projectionSpec(marketingLists)
      .given([listCreated('s1', 'contact'), listCreated('d1', 'account', criteria)])
      .thenDocuments({
        'default:s1': { tenantId: 'default', listId: 's1', name: 'فهرست s1', memberType: 'contact', kind: 'static', createdAt: at(1) },
        'default:d1': {
          tenantId: 'default',
          listId: 'd1',
          name: 'فهرست d1',
          memberType: 'account',
          kind: 'dynamic',
          criteria,
          createdAt: at(1),
        },
      });
  });
});

describe('marketing-list-members projection', () => {
  it('keeps one document per member; a removed member stays on record as removed, and comes back when re-added', () => {
    projectionSpec(marketingListMembers)
      .given([
        membersAdded('s1', 'contact', 'p1', 'p2', 'p3'),
        membersRemoved('s1', 'contact', 'p2', 'p3'),
        membersAdded('s1', 'contact', 'p3'),
        membersRemoved('s2', 'lead', 'l1'),
      ])
      .thenDocuments({
        'default:s1:p1': { tenantId: 'default', listId: 's1', memberType: 'contact', memberId: 'p1', status: 'member', addedAt: at(2) },
        'default:s1:p2': {
          tenantId: 'default',
          listId: 's1',
          memberType: 'contact',
          memberId: 'p2',
          status: 'removed',
          addedAt: at(2),
          removedAt: at(4),
        },
        'default:s1:p3': { tenantId: 'default', listId: 's1', memberType: 'contact', memberId: 'p3', status: 'member', addedAt: at(2) },
      });
  });
});
