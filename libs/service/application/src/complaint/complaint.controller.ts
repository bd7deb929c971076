import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { ApiCommand, ApiCommandOn, type CommandContext, type CommandReply, Ctx, IdParam } from '@crm/shared/http';
import { AcknowledgeComplaintCommand } from './acknowledge-complaint/acknowledge-complaint.command';
import { AcknowledgeComplaintRequestDto } from './acknowledge-complaint/acknowledge-complaint.request.dto';
import { AddInvestigationNoteCommand } from './add-investigation-note/add-investigation-note.command';
import { AddInvestigationNoteRequestDto } from './add-investigation-note/add-investigation-note.request.dto';
import { AssessComplaintCommand } from './assess-complaint/assess-complaint.command';
import { AssessComplaintRequestDto } from './assess-complaint/assess-complaint.request.dto';
import { AssignComplaintCommand } from './assign-complaint/assign-complaint.command';
import { AssignComplaintRequestDto } from './assign-complaint/assign-complaint.request.dto';
import { CloseComplaintCommand } from './close-complaint/close-complaint.command';
import { CloseComplaintRequestDto } from './close-complaint/close-complaint.request.dto';
import { CommunicateDecisionCommand } from './communicate-decision/communicate-decision.command';
import { CommunicateDecisionRequestDto } from './communicate-decision/communicate-decision.request.dto';
import { EscalateComplaintCommand } from './escalate-complaint/escalate-complaint.command';
import { EscalateComplaintRequestDto } from './escalate-complaint/escalate-complaint.request.dto';
import { ReceiveComplaintCommand } from './receive-complaint/receive-complaint.command';
import { ReceiveComplaintRequestDto } from './receive-complaint/receive-complaint.request.dto';
import { RecordHandlingSatisfactionCommand } from './record-handling-satisfaction/record-handling-satisfaction.command';
import { RecordHandlingSatisfactionRequestDto } from './record-handling-satisfaction/record-handling-satisfaction.request.dto';
import { ReopenComplaintCommand } from './reopen-complaint/reopen-complaint.command';
import { ReopenComplaintRequestDto } from './reopen-complaint/reopen-complaint.request.dto';
import { RespondToComplaintCommand } from './respond-to-complaint/respond-to-complaint.command';
import { RespondToComplaintRequestDto } from './respond-to-complaint/respond-to-complaint.request.dto';
import { COMPLAINT_REFUSALS } from '@crm/service/domain';
import { STEP_WITHOUT_TEXT_ONCE_ERASED } from './erased-complaint-texts';
import { NOT_FOUND } from '@crm/shared/kernel';
import { TextsUnlessErased } from './texts-unless-erased';

/** The aggregate these routes decide on: its declared refusals are what they answer. */
const DECIDES = {
  decides: [
    { refusals: COMPLAINT_REFUSALS, existence: { notFound: NOT_FOUND.complaint, alreadyExists: COMPLAINT_REFUSALS.ALREADY_RECEIVED } },
  ],
};

/** ISO 10002 complaint handling, one route per step (API.md "Commands"). */
@ApiTags('complaints')
@Controller('complaints')
export class ComplaintController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @ApiCommand({
    ...DECIDES,
    refersTo: ['lead', 'contact', 'account', 'opportunity', 'quote', 'complaint', 'campaign'],
    summary: 'Receive a complaint',
    creates: true,
  })
  receive(@Body() body: ReceiveComplaintRequestDto, @Ctx() ctx: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new ReceiveComplaintCommand(body, ctx));
  }

  @Post(':id/acknowledge')
  @ApiCommandOn({ ...DECIDES, summary: 'Acknowledge receipt to the complainant' })
  acknowledge(@IdParam() id: string, @Body() body: AcknowledgeComplaintRequestDto, @Ctx() ctx: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new AcknowledgeComplaintCommand(id, body, ctx));
  }

  @Post(':id/assess')
  @ApiCommandOn({ ...DECIDES, summary: 'Assess severity; sets the SLA deadlines from the policy' })
  assess(@IdParam() id: string, @Body() body: AssessComplaintRequestDto, @Ctx() ctx: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new AssessComplaintCommand(id, body, ctx));
  }

  @Post(':id/assign')
  @ApiCommandOn({ ...DECIDES, summary: 'Assign to a person or a team' })
  assign(@IdParam() id: string, @Body() body: AssignComplaintRequestDto, @Ctx() ctx: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new AssignComplaintCommand(id, body, ctx));
  }

  @Post(':id/investigation-notes')
  @ApiCommandOn({ ...DECIDES, summary: 'Add an investigation note' })
  addNote(@IdParam() id: string, @Body() body: AddInvestigationNoteRequestDto, @Ctx() ctx: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new AddInvestigationNoteCommand(id, body, ctx));
  }

  @Post(':id/respond')
  @ApiCommandOn({ ...DECIDES, summary: 'Record the response', description: STEP_WITHOUT_TEXT_ONCE_ERASED })
  respond(
    @IdParam() id: string,
    @Body() body: RespondToComplaintRequestDto,
    @Ctx() ctx: CommandContext,
    @TextsUnlessErased('response') _texts: void,
  ): Promise<CommandReply> {
    return this.commands.execute(new RespondToComplaintCommand(id, body, ctx));
  }

  @Post(':id/communicate-decision')
  @ApiCommandOn({ ...DECIDES, summary: 'Communicate the decision to the complainant', description: STEP_WITHOUT_TEXT_ONCE_ERASED })
  communicateDecision(
    @IdParam() id: string,
    @Body() body: CommunicateDecisionRequestDto,
    @Ctx() ctx: CommandContext,
    @TextsUnlessErased('decision') _texts: void,
  ): Promise<CommandReply> {
    return this.commands.execute(new CommunicateDecisionCommand(id, body, ctx));
  }

  @Post(':id/escalate')
  @ApiCommandOn({ ...DECIDES, summary: 'Escalate upward (head office, external body, legal)', description: STEP_WITHOUT_TEXT_ONCE_ERASED })
  escalate(
    @IdParam() id: string,
    @Body() body: EscalateComplaintRequestDto,
    @Ctx() ctx: CommandContext,
    @TextsUnlessErased('reason') _texts: void,
  ): Promise<CommandReply> {
    return this.commands.execute(new EscalateComplaintCommand(id, body, ctx));
  }

  @Post(':id/close')
  @ApiCommandOn({
    ...DECIDES,
    summary: 'Close with an outcome',
    description:
      'Resolved or unresolved only once a decision is communicated; withdrawn at any time. A complaint whose personal data is erased is closed the same way, without a note (its decision communicated without text).',
  })
  close(@IdParam() id: string, @Body() body: CloseComplaintRequestDto, @Ctx() ctx: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new CloseComplaintCommand(id, body, ctx));
  }

  @Post(':id/reopen')
  @ApiCommandOn({ ...DECIDES, summary: 'Reopen a closed complaint', description: STEP_WITHOUT_TEXT_ONCE_ERASED })
  reopen(
    @IdParam() id: string,
    @Body() body: ReopenComplaintRequestDto,
    @Ctx() ctx: CommandContext,
    @TextsUnlessErased('reason') _texts: void,
  ): Promise<CommandReply> {
    return this.commands.execute(new ReopenComplaintCommand(id, body, ctx));
  }

  @Post(':id/satisfaction')
  @ApiCommandOn({ ...DECIDES, summary: "Record the complainant's satisfaction with the handling (1–5)" })
  recordSatisfaction(
    @IdParam() id: string,
    @Body() body: RecordHandlingSatisfactionRequestDto,
    @Ctx() ctx: CommandContext,
  ): Promise<CommandReply> {
    return this.commands.execute(new RecordHandlingSatisfactionCommand(id, body, ctx));
  }
}
