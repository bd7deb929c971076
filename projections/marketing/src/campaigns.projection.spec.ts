import {
  at,
  irr,
  campaignCancelled,
  campaignCompleted,
  campaignPlanned,
  campaignStarted,
  costRecorded,
  responseRecorded,
  targetListsAdded,
} from '@crm/projections/testing';
import { projectionSpec } from '@crm/shared/testing';
import { campaignNamesId, marketingCampaigns, type CampaignDoc } from './campaigns.projection';

const spec = projectionSpec(marketingCampaigns);

const plannedDoc: CampaignDoc = {
  tenantId: 'default',
  campaignId: 'c1',
  name: 'جشنواره نوروز',
  goal: 'lead_generation',
  channel: 'sms',
  status: 'planned',
  budget: irr(5_000_000),
  startDate: '2026-01-05',
  endDate: '2026-02-05',
  plannedAt: at(2),
  targetListIds: [],
  cost: irr(0),
  costEntries: 0,
  responses: 0,
  responsesByType: { interested: 0, not_interested: 0, more_information: 0, purchased: 0, unsubscribe: 0, other: 0 },
  responders: [],
};

describe('marketing-campaigns projection', () => {
  it('follows a campaign from plan to completion: lists, costs, responses and distinct responders', () => {
    spec
      .given([
        campaignPlanned('c1'),
        targetListsAdded('c1', 'list-a'),
        targetListsAdded('c1', 'list-b', 'list-a'),
        campaignStarted('c1'),
        costRecorded('c1', 'k1', 1_200_000),
        costRecorded('c1', 'k2', 300_000),
        responseRecorded('c1', 'r1', { type: 'contact', id: 'p1' }),
        responseRecorded('c1', 'r2', { type: 'contact', id: 'p1' }, 'purchased'),
        responseRecorded('c1', 'r3', { type: 'lead', id: 'l1' }, 'unsubscribe'),
        campaignCompleted('c1'),
      ])
      .thenDocuments({
        'default:c1': {
          ...plannedDoc,
          status: 'completed',
          startedAt: at(5),
          completedAt: at(30),
          targetListIds: ['list-a', 'list-b'],
          cost: irr(1_500_000),
          costEntries: 2,
          responses: 3,
          responsesByType: { ...plannedDoc.responsesByType, interested: 1, purchased: 1, unsubscribe: 1 },
          responders: ['contact:p1', 'lead:l1'],
        },
        'default:~names': { namesOf: 'default', names: { c1: 'جشنواره نوروز' } },
      });
  });

  it('records a cancellation with its reason, keeps tenants apart and ignores events of a campaign never planned', () => {
    spec
      .given([
        { ...campaignPlanned('c1', { ownerId: 'u1' }), metadata: { tenantId: 'acme' } },
        { ...campaignCancelled('c1'), metadata: { tenantId: 'acme' } },
        costRecorded('c9', 'k1', 100),
      ])
      .thenDocuments({
        'acme:c1': {
          ...plannedDoc,
          tenantId: 'acme',
          ownerId: 'u1',
          status: 'cancelled',
          cancelledAt: at(9),
          cancelReason: 'بودجه قطع شد',
        },
        'acme:~names': { namesOf: 'acme', names: { c1: 'جشنواره نوروز' } },
      });
  });

  it('keeps each tenant’s campaign names in one document, written when a campaign is planned', () => {
    const history = [
      campaignPlanned('c1'),
      { ...campaignPlanned('c2'), metadata: { tenantId: 'acme' } },
      { ...campaignPlanned('c3', { name: 'حراج پاییز' }), metadata: { tenantId: 'acme' } },
      campaignStarted('c1'),
      costRecorded('c1', 'k1', 1_200_000),
      responseRecorded('c1', 'r1', { type: 'contact', id: 'p1' }),
      campaignCancelled('c1'),
    ];
    spec.given(history).thenDocument(campaignNamesId('default'), { namesOf: 'default', names: { c1: 'جشنواره نوروز' } });
    spec.given(history).thenDocument(campaignNamesId('acme'), { namesOf: 'acme', names: { c2: 'جشنواره نوروز', c3: 'حراج پاییز' } });
  });

  it('stops on a cost in another currency than the budget rather than adding apples to oranges', () => {
    spec.given([campaignPlanned('c1'), costRecorded('c1', 'k1', 100, 'USD')]).thenFails('cost in USD, budget in IRR');
  });
});
