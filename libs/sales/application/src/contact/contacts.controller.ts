import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { ApiCommand, ApiCommandOn, type CommandContext, type CommandReply, Ctx, IdParam } from '@crm/shared/http';
import { CreateContactCommand } from './create-contact/create-contact.command';
import { CreateContactRequestDto } from './create-contact/create-contact.request.dto';
import { LinkContactAccountCommand } from './link-contact-account/link-contact-account.command';
import { LinkContactAccountRequestDto } from './link-contact-account/link-contact-account.request.dto';
import { RecordConsentCommand } from './record-consent/record-consent.command';
import { RecordConsentRequestDto } from './record-consent/record-consent.request.dto';
import { UpdateContactCommand } from './update-contact/update-contact.command';
import { UpdateContactRequestDto } from './update-contact/update-contact.request.dto';
import { accountDecider, contactDecider } from '@crm/sales/domain';

/** The aggregate these routes decide on: its declared refusals are what they answer. */
const DECIDES = { decides: [contactDecider] };

@ApiTags('contacts')
@Controller('contacts')
export class ContactsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @ApiCommand({
    decides: [contactDecider, accountDecider],
    refersTo: ['account'],
    summary: 'Create a contact (a natural person); an account named must be open',
    creates: true,
  })
  create(@Body() body: CreateContactRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new CreateContactCommand(body, context));
  }

  @Post(':id/update')
  @ApiCommandOn({ ...DECIDES, summary: "Change a contact's name, email, phone or preferred channel" })
  update(@IdParam() id: string, @Body() body: UpdateContactRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new UpdateContactCommand(id, body, context));
  }

  @Post(':id/link-account')
  @ApiCommandOn({
    decides: [contactDecider, accountDecider],
    refersTo: ['account'],
    summary: 'Link the contact to an account, which must be open',
  })
  linkAccount(@IdParam() id: string, @Body() body: LinkContactAccountRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new LinkContactAccountCommand(id, body, context));
  }

  @Post(':id/consent')
  @ApiCommandOn({ ...DECIDES, summary: 'Record a consent granted or withdrawn for a channel; marketing targets only consenting contacts' })
  consent(@IdParam() id: string, @Body() body: RecordConsentRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new RecordConsentCommand(id, body, context));
  }
}
