import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { ApiCommand, ApiCommandOn, ApiReplyAlso, type CommandContext, type CommandReply, Ctx, IdParam } from '@crm/shared/http';
import { AcceptQuoteCommand } from './accept-quote/accept-quote.command';
import { AcceptQuoteRequestDto } from './accept-quote/accept-quote.request.dto';
import { CreateQuoteCommand } from './create-quote/create-quote.command';
import { CreateQuoteRequestDto } from './create-quote/create-quote.request.dto';
import { IssueQuoteCommand } from './issue-quote/issue-quote.command';
import { IssueQuoteRequestDto } from './issue-quote/issue-quote.request.dto';
import { RejectQuoteCommand } from './reject-quote/reject-quote.command';
import { RejectQuoteRequestDto } from './reject-quote/reject-quote.request.dto';
import { ReviseQuoteCommand } from './revise-quote/revise-quote.command';
import { ReviseQuoteRequestDto } from './revise-quote/revise-quote.request.dto';
import { opportunityDecider, quoteDecider } from '@crm/sales/domain';

/** The aggregate these routes decide on: its declared refusals are what they answer. */
const DECIDES = { decides: [quoteDecider] };

@ApiTags('quotes')
@Controller('quotes')
export class QuotesController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @ApiReplyAlso(201, { total: 'money' })
  @ApiCommand({
    decides: [quoteDecider, opportunityDecider],
    refersTo: ['opportunity'],
    summary: 'Create a quote (پیش‌فاکتور) for an opportunity; line and quote totals are computed server-side',
    creates: true,
  })
  create(@Body() body: CreateQuoteRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new CreateQuoteCommand(body, context));
  }

  @Post(':id/issue')
  @ApiCommandOn({ decides: [quoteDecider, opportunityDecider], summary: 'Issue the draft to the customer' })
  issue(@IdParam() id: string, @Body() body: IssueQuoteRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new IssueQuoteCommand(id, body, context));
  }

  @Post(':id/accept')
  @ApiReplyAlso(200, {
    total: 'money',
    opportunityId: 'uuid',
    opportunityWon: 'boolean',
    opportunityRevision: 'integer?',
    opportunityRefusal: 'string?',
  })
  @ApiCommandOn({
    decides: [quoteDecider, opportunityDecider],
    summary: "The customer accepted: records it and wins the quote's opportunity for the quote total",
  })
  accept(@IdParam() id: string, @Body() body: AcceptQuoteRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new AcceptQuoteCommand(id, body, context));
  }

  @Post(':id/reject')
  @ApiCommandOn({ ...DECIDES, summary: 'The customer rejected the issued quote' })
  reject(@IdParam() id: string, @Body() body: RejectQuoteRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new RejectQuoteCommand(id, body, context));
  }

  @Post(':id/revise')
  @ApiCommandOn({
    decides: [quoteDecider, opportunityDecider],
    summary: "Start a new draft revision with new lines and/or validity, on an open deal and in the deal's currency",
  })
  revise(@IdParam() id: string, @Body() body: ReviseQuoteRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new ReviseQuoteCommand(id, body, context));
  }
}
