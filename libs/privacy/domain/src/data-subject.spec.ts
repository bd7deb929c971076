import { deciderSpec } from '@crm/shared/testing';
import { dataSubjectDecider, dataSubjectStream } from './data-subject';

const subject = { type: 'lead', id: '0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d' } as const;
const erase = (reason = 'درخواست حذف از سوی مشتری') => ({
  type: 'EraseDataSubject' as const,
  data: { subject, reason, records: ['lead-0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d'], erasedAt: '2026-03-01T08:00:00.000Z' },
});

describe('data subject erasure', () => {
  const spec = deciderSpec(dataSubjectDecider);

  it('records who was erased, when and why, and which records lost their keys', () => {
    spec
      .given([])
      .when(erase())
      .then([
        {
          type: 'DataSubjectErased',
          data: {
            subject,
            reason: 'درخواست حذف از سوی مشتری',
            records: ['lead-0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d'],
            erasedAt: '2026-03-01T08:00:00.000Z',
          },
        },
      ]);
  });

  it('carries the sealed purge list as it is given, for runners in other processes; someone not on file is named by their record', () => {
    const complaint = { type: 'complaint', id: '5d1e0a4b-2c3f-4a6b-8d9e-0f1a2b3c4d5e' } as const;
    const records = ['complaint-5d1e0a4b-2c3f-4a6b-8d9e-0f1a2b3c4d5e'];
    const purge = 'pd1:purge-data-subject-x:AAAA';
    spec
      .given([])
      .when({
        type: 'EraseDataSubject',
        data: { subject: complaint, reason: 'درخواست شاکی', records, erasedAt: '2026-03-01T08:00:00.000Z', purge },
      })
      .then([
        {
          type: 'DataSubjectErased',
          data: { subject: complaint, reason: 'درخواست شاکی', records, erasedAt: '2026-03-01T08:00:00.000Z', purge },
        },
      ]);
    expect(dataSubjectStream(complaint)).not.toBe(dataSubjectStream({ type: 'feedback', id: complaint.id }));
  });

  it('refuses a blank reason and a second erasure', () => {
    spec.given([]).when(erase(' \u200c ')).thenThrows('DATA_SUBJECT.REASON_REQUIRED');
    spec
      .given([{ type: 'DataSubjectErased', data: { ...erase().data, records: [] } }])
      .when(erase())
      .thenThrows('DATA_SUBJECT.ERASED');
  });

  it('records what an erasure under way listed, which leaves the person held until the erasure is recorded', () => {
    const listing = {
      type: 'RecordErasureListing' as const,
      data: {
        subject,
        records: ['lead-0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d'],
        points: 'pd1:sealed',
        values: 'pd1:sealed-values',
        listedAt: '2026-03-01T08:00:00.000Z',
      },
    };
    spec
      .given([])
      .when(listing)
      .then([{ type: 'DataSubjectErasureListed', data: listing.data }]);
    const listed = [{ type: 'DataSubjectErasureListed' as const, data: listing.data }];
    spec.given(listed).thenState({ status: 'held' });
    spec
      .given(listed)
      .when(erase())
      .then([{ type: 'DataSubjectErased', data: { ...erase().data, reason: 'درخواست حذف از سوی مشتری' } }]);
    spec
      .given([{ type: 'DataSubjectErased', data: { ...erase().data, records: [] } }])
      .when(listing)
      .thenThrows('DATA_SUBJECT.ERASED');
  });

  it('names the erasure stream by the subject’s type and id only', () => {
    expect(dataSubjectStream(subject)).toMatch(/^data-subject-[0-9a-f-]{36}$/);
    expect(dataSubjectStream(subject)).not.toBe(dataSubjectStream({ type: 'contact', id: subject.id }));
  });
});
