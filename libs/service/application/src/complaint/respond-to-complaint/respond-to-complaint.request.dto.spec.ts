import { refusedFields } from '@crm/shared/http';
import { RespondToComplaintRequestDto } from './respond-to-complaint.request.dto';

describe('RespondToComplaintRequestDto', () => {
  it('takes corrective actions as non-blank texts, at most 20', async () => {
    expect(await refusedFields(RespondToComplaintRequestDto, { response: 'پاسخ', actions: ['ارسال کالا', 'بازبینی انبار'] })).toEqual([]);
    // Each bad item named on its own, not only the first as `actions`.
    expect(await refusedFields(RespondToComplaintRequestDto, { response: 'پاسخ', actions: ['ارسال کالا', '\u200c\u200f '] })).toEqual([
      'actions.1',
    ]);
    expect(await refusedFields(RespondToComplaintRequestDto, { response: 'پاسخ', actions: ['', ' '] })).toEqual(['actions.0', 'actions.1']);
    expect(await refusedFields(RespondToComplaintRequestDto, { response: 'پاسخ', actions: ['', 'ok', 3] })).toEqual([
      'actions.0',
      'actions.2',
    ]);
    expect(await refusedFields(RespondToComplaintRequestDto, { response: 'پاسخ', actions: 'x' })).toEqual(['actions']);
    expect(await refusedFields(RespondToComplaintRequestDto, { response: 'پاسخ', actions: Array(21).fill('x') })).toEqual(['actions']);
    expect(await refusedFields(RespondToComplaintRequestDto, { response: 'پاسخ', actions: null })).toEqual(['actions']);
  });
});

describe('RespondToComplaintRequestDto: response', () => {
  it('may be left out (taken only once the complaint is erased: the handler asks), never blank nor null', async () => {
    expect(await refusedFields(RespondToComplaintRequestDto, {})).toEqual([]);
    expect(await refusedFields(RespondToComplaintRequestDto, { remedy: 'تعویض کالا' })).toEqual([]);
    expect(await refusedFields(RespondToComplaintRequestDto, { response: '\u200c ' })).toEqual(['response']);
    expect(await refusedFields(RespondToComplaintRequestDto, { response: null })).toEqual(['response']);
  });
});
