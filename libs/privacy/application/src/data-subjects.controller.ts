import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  ApiCommandHeaders,
  ApiProblem,
  CommandRequestDto,
  Ctx,
  EnumField,
  CONCURRENCY_PROBLEMS,
  IDEMPOTENCY_PROBLEMS,
  IdField,
  IdParam,
  NestedField,
  REQUEST_PROBLEMS,
  RequestValidationError,
  STORE_PROBLEMS,
  Tenant,
  TextField,
  VALIDATION_PROBLEMS,
  type CommandContext,
} from '@crm/shared/http';
import { DATA_SUBJECT_REFUSALS, DATA_SUBJECT_TYPES, type DataSubjectType } from '@crm/privacy/domain';
import { ACCESS_REPORT_SCHEMA, ERASURE_REPLY_SCHEMA, SUBJECT_DESCRIPTION } from './data-subject-schemas';
import { DataSubjects, type AccessReport, type ErasureReply } from './data-subjects.service';

export class DataSubjectDto {
  @EnumField(DATA_SUBJECT_TYPES, { example: 'lead' })
  type!: DataSubjectType;

  @IdField()
  id!: string;
}

export class EraseDataSubjectRequestDto extends CommandRequestDto {
  @NestedField(() => DataSubjectDto, { description: SUBJECT_DESCRIPTION })
  subject!: DataSubjectDto;

  @TextField(500, { example: 'درخواست حذف اطلاعات از سوی مشتری' })
  reason!: string;
}

/**
 * `{type}` of the right of access: not a kind of data subject is a 400 naming it. A pipe of its own (as `IdParam` is
 * for `{id}`), so that the edge names it beside the other bad parts of the request (a bad id, a query parameter).
 */
const SubjectTypeParam = (): ParameterDecorator =>
  Param('type', {
    transform: (value: string): DataSubjectType => {
      if ((DATA_SUBJECT_TYPES as readonly string[]).includes(value)) return value as DataSubjectType;
      throw new RequestValidationError([{ field: 'type', messages: [`type must be one of ${DATA_SUBJECT_TYPES.join(', ')}`] }]);
    },
  });

/** Erasure and right of access (API.md "Personal data"); the access table admits admins only. */
@ApiTags('data subjects')
@Controller('data-subjects')
export class DataSubjectsController {
  constructor(private readonly subjects: DataSubjects) {}

  @Post('erase')
  @HttpCode(200)
  @ApiOperation({
    summary: "Erase a person's personal data (crypto-shredding): their keys are destroyed and the read models purged",
    description:
      'Destroys the data keys of the lead or contact, of the contact or lead qualification linked to it, and of the complaints, ' +
      "feedback, survey answers, activities and interactions they made or that regard them; folds those records' read-model " +
      "documents again from the log, their personal fields now [erased], as a rebuild writes them (other records, a namesake's " +
      'included, are left as they are); records who erased whom, when and why, without the erased data. The hash chain still verifies. ' +
      'Someone on file as neither lead nor contact (a complainant, feedback author or survey respondent given as ' +
      '{ name, phone?, email? }) is named by the record they made: subject type complaint, feedback or survey-response. ' +
      'The same email or phone is the same person, as dedupe takes it: a record made as { name, phone?, email? } with an ' +
      "email or phone the person's lead or contact ever held is theirs, and naming such a record takes the others made " +
      'with its email or phone.',
  })
  @ApiCommandHeaders()
  @ApiOkResponse({ description: 'Erased', schema: ERASURE_REPLY_SCHEMA })
  @ApiProblem(400, 'Malformed or invalid input; every bad field is listed in errors', [
    VALIDATION_PROBLEMS.FAILED,
    REQUEST_PROBLEMS.MALFORMED_JSON,
    REQUEST_PROBLEMS.INVALID_ENCODING,
  ])
  @ApiProblem(404, 'No such lead, contact or record', [DATA_SUBJECT_REFUSALS.NOT_FOUND])
  @ApiProblem(409, 'Already erased, or the record names a contact or account (erase that person instead)', [
    DATA_SUBJECT_REFUSALS.ERASED,
    DATA_SUBJECT_REFUSALS.ON_FILE,
  ])
  @ApiProblem(412, 'If-Match does not match the erasure record (checked before anything is destroyed)', [
    CONCURRENCY_PROBLEMS.REVISION_MISMATCH,
  ])
  @ApiProblem(413, 'Body too large', [REQUEST_PROBLEMS.TOO_LARGE])
  @ApiProblem(415, 'Body is not JSON', [REQUEST_PROBLEMS.UNSUPPORTED_MEDIA_TYPE])
  @ApiProblem(422, 'Idempotency key reused for another request', [IDEMPOTENCY_PROBLEMS.KEY_REUSED])
  @ApiProblem(503, 'The event store did not answer', [STORE_PROBLEMS.OUTCOME_UNKNOWN])
  erase(@Body() body: EraseDataSubjectRequestDto, @Ctx() context: CommandContext): Promise<ErasureReply> {
    return this.subjects.erase({ type: body.subject.type, id: body.subject.id }, body.reason, context);
  }

  @Get(':type/:id')
  @ApiOperation({
    summary: 'Right of access: everything the CRM holds about a person, opened, as JSON',
    description:
      'Their own records and those they made, by context, every event with its data; and the shared records that name them. ' +
      'Someone on file as neither lead nor contact is named by the complaint, feedback or survey response they made. ' +
      'Records made as { name, phone?, email? } with one of their emails or phones are theirs (as on erasure).',
  })
  @ApiParam({ name: 'type', enum: [...DATA_SUBJECT_TYPES] })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ description: 'Everything held about the person', schema: ACCESS_REPORT_SCHEMA })
  @ApiProblem(400, 'Malformed type or id; every bad one listed', [VALIDATION_PROBLEMS.FAILED])
  @ApiProblem(404, 'No such lead, contact or record', [DATA_SUBJECT_REFUSALS.NOT_FOUND])
  @ApiProblem(409, 'The record names a contact or account: ask about that person instead', [DATA_SUBJECT_REFUSALS.ON_FILE])
  access(@SubjectTypeParam() type: DataSubjectType, @IdParam() id: string, @Tenant() tenantId: string): Promise<AccessReport> {
    return this.subjects.access({ type, id }, tenantId);
  }
}
