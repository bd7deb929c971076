import { BooleanField, CommandRequestDto, ContactPointField, EnumField, IdField, LineField, TextField } from '@crm/shared/http';
import { LEAD_SOURCES, type LeadSource } from '@crm/sales/domain';

export class CaptureLeadRequestDto extends CommandRequestDto {
  @IdField({ optional: true, description: 'Client-chosen lead id; the server makes one otherwise' })
  id?: string;

  @LineField(200, { example: 'مریم احمدی' })
  fullName!: string;

  @EnumField(LEAD_SOURCES)
  source!: LeadSource;

  @ContactPointField('email', 254, { orElse: 'phone', example: 'maryam@example.ir', description: 'Email or phone, at least one' })
  email?: string;

  @ContactPointField('phone', 40, { orElse: 'email', example: '۰۹۱۲۱۲۳۴۵۶۷', description: 'Any common Iranian spelling; stored as E.164' })
  phone?: string;

  @LineField(200, { optional: true, example: 'شرکت فولاد مبارکه' })
  company?: string;

  @TextField(2000, { optional: true, description: 'What the lead is interested in' })
  interest?: string;

  @IdField({ optional: true, description: 'Campaign the lead came from' })
  campaignId?: string;

  @LineField(100, { optional: true })
  ownerId?: string;

  @BooleanField({ optional: true, description: 'Capture even if an open lead has the same email or phone' })
  allowDuplicate?: boolean;
}
