import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { ApiCommand, ApiCommandOn, ApiReplyAlso, type CommandContext, type CommandReply, Ctx, IdParam } from '@crm/shared/http';
import { CloseAccountCommand } from './close-account/close-account.command';
import { CloseAccountRequestDto } from './close-account/close-account.request.dto';
import { ReasonUnlessErased } from './close-account/reason-unless-erased';
import { OpenAccountCommand } from './open-account/open-account.command';
import { OpenAccountRequestDto } from './open-account/open-account.request.dto';
import { RecordPurchaseCommand } from './record-purchase/record-purchase.command';
import { RecordPurchaseRequestDto } from './record-purchase/record-purchase.request.dto';
import { ReopenAccountCommand } from './reopen-account/reopen-account.command';
import { ReopenAccountRequestDto } from './reopen-account/reopen-account.request.dto';
import { UpdateAccountCommand } from './update-account/update-account.command';
import { UpdateAccountRequestDto } from './update-account/update-account.request.dto';
import { accountDecider } from '@crm/sales/domain';

/** The aggregate these routes decide on: its declared refusals are what they answer. */
const DECIDES = { decides: [accountDecider] };

const ONE_ACCOUNT_PER_NATIONAL_ID =
  "One national id (a person's کد ملی, a legal entity's شناسه ملی, in any digit script) names one account in a tenant: an id another account has, open or closed, is 409 ACCOUNT.DUPLICATE naming it in details.existingAccountId, and nothing is recorded (reopen the closed one instead). An account that moves to another id, or whose personal data is erased, frees its old one.";

@ApiTags('accounts')
@Controller('accounts')
export class AccountsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @ApiCommand({ ...DECIDES, summary: 'Open an account (a legal entity)', creates: true, description: ONE_ACCOUNT_PER_NATIONAL_ID })
  open(@Body() body: OpenAccountRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new OpenAccountCommand(body, context));
  }

  @Post(':id/update')
  @ApiCommandOn({
    ...DECIDES,
    summary: "Change an account's name, national id, industry or owner",
    description: ONE_ACCOUNT_PER_NATIONAL_ID,
  })
  update(@IdParam() id: string, @Body() body: UpdateAccountRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new UpdateAccountCommand(id, body, context));
  }

  @Post(':id/close')
  @ApiCommandOn({
    ...DECIDES,
    summary: 'Close the account; a closed account counts as churned',
    description:
      'Once the account’s personal data is erased (POST /data-subjects/erase), leave the reason out: it is personal, and can no longer ' +
      'be recorded (a reason given then is 409 PERSONAL_DATA.ERASED, nothing recorded); the account still closes.',
  })
  close(
    @IdParam() id: string,
    @Body() body: CloseAccountRequestDto,
    @Ctx() context: CommandContext,
    @ReasonUnlessErased() _reason: void,
  ): Promise<CommandReply> {
    return this.commands.execute(new CloseAccountCommand(id, body, context));
  }

  @Post(':id/reopen')
  @ApiCommandOn({ ...DECIDES, summary: 'Reopen a closed account: the customer was won back, and counts as active again' })
  reopen(@IdParam() id: string, @Body() body: ReopenAccountRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new ReopenAccountCommand(id, body, context));
  }

  @Post(':id/purchases')
  @ApiReplyAlso(200, { purchaseId: 'uuid', externalRef: 'string' })
  @ApiCommandOn({
    ...DECIDES,
    summary: 'Record a purchase; idempotent per externalRef (the same ref again returns the first reply)',
    description:
      "The externalRef is the purchase's own key, compared as a person reads it (digits in Persian, Arabic-Indic or Latin, Arabic ي/ك, joiners and marks are one; letters keep their case): the same invoice again, under any Idempotency-Key or none, gets the first reply, and the same ref with another amount or date is 409 ACCOUNT.PURCHASE_CONFLICT. An Idempotency-Key is held as on every command: the same key with another request (another purchase, another account) is 422 IDEMPOTENCY.KEY_REUSED.",
  })
  recordPurchase(@IdParam() id: string, @Body() body: RecordPurchaseRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new RecordPurchaseCommand(id, body, context));
  }
}
