import { MAX_MEMBER_IDS_PER_COMMAND, marketingListDecider } from './marketing-list.decider';
// Test-only: the tag rule has no spec-file exception for domain → testing yet.
import { deciderSpec } from '@crm/shared/testing';
import { add, added, dynamicCreated, listId, remove, removed, staticCreated } from './marketing-list.fixtures';

const spec = deciderSpec(marketingListDecider);

describe('marketing list decider: members', () => {
  describe('AddListMembers', () => {
    it('adds members once each, in the order given', () => {
      spec
        .given([staticCreated])
        .when(add('account-2', 'account-1', 'account-2'))
        .then([added('account-2', 'account-1')]);
    });

    it('drops ids already on the list, and records nothing when none is new', () => {
      spec
        .given([staticCreated, added('account-1')])
        .when(add('account-1', 'account-3'))
        .then([added('account-3')]);
      spec
        .given([staticCreated, added('account-1')])
        .when(add('account-1', 'account-1'))
        .thenNothing();
      spec.given([staticCreated]).when(add()).thenNothing();
    });

    it('treats ids that look like object keys as ordinary ids', () => {
      spec
        .given([staticCreated, added('__proto__')])
        .when(add('__proto__', 'constructor'))
        .then([added('constructor')]);
    });

    it(`accepts ${MAX_MEMBER_IDS_PER_COMMAND} ids in one command and refuses more`, () => {
      const ids = Array.from({ length: MAX_MEMBER_IDS_PER_COMMAND + 1 }, (_, i) => `account-${i}`);
      spec
        .given([staticCreated])
        .when(add(...ids.slice(1)))
        .then([added(...ids.slice(1))]);
      spec
        .given([staticCreated])
        .when(add(...ids))
        .thenThrows('LIST.TOO_MANY_MEMBER_IDS', { fields: ['memberIds'], max: 1000 });
    });

    it('refuses a dynamic list and an unknown one', () => {
      spec.given([dynamicCreated]).when(add('lead-1')).thenThrows('LIST.NOT_STATIC', { listId });
      spec.given([]).when(add('account-1')).thenThrows('LIST.NOT_FOUND');
    });
  });

  describe('RemoveListMembers', () => {
    const withMembers = [staticCreated, added('account-1', 'account-2', 'account-3')];

    it('removes members, ignoring repeats and ids that are not on the list', () => {
      spec
        .given(withMembers)
        .when(remove('account-3', 'account-9', 'account-1', 'account-3'))
        .then([removed('account-3', 'account-1')]);
    });

    it('records nothing when none of the ids is a member, e.g. a retried removal', () => {
      spec
        .given([...withMembers, removed('account-2')])
        .when(remove('account-2', 'account-9'))
        .thenNothing();
    });

    it('refuses a dynamic list, an unknown one, and too many ids', () => {
      spec.given([dynamicCreated]).when(remove('lead-1')).thenThrows('LIST.NOT_STATIC');
      spec.given([]).when(remove('account-1')).thenThrows('LIST.NOT_FOUND');
      const ids = Array.from({ length: MAX_MEMBER_IDS_PER_COMMAND + 1 }, (_, i) => `account-${i}`);
      spec
        .given(withMembers)
        .when(remove(...ids))
        .thenThrows('LIST.TOO_MANY_MEMBER_IDS');
    });
  });
});
