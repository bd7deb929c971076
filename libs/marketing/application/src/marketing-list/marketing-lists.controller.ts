import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { ApiCommand, ApiCommandOn, Ctx, IdParam, type CommandContext, type CommandReply } from '@crm/shared/http';
import { AddListMembersCommand } from './add-list-members/add-list-members.command';
import { AddListMembersRequestDto } from './add-list-members/add-list-members.request.dto';
import { CreateMarketingListCommand } from './create-marketing-list/create-marketing-list.command';
import { CreateMarketingListRequestDto } from './create-marketing-list/create-marketing-list.request.dto';
import { RemoveListMembersCommand } from './remove-list-members/remove-list-members.command';
import { RemoveListMembersRequestDto } from './remove-list-members/remove-list-members.request.dto';

const NOT_STATIC = 'LIST.NOT_STATIC';
const TOO_MANY = 'LIST.TOO_MANY_MEMBER_IDS (400)';

@ApiTags('marketing-lists')
@Controller('marketing-lists')
export class MarketingListsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @ApiCommand({
    summary: 'Create a marketing list (فهرست بازاریابی) of accounts, contacts or leads: static, or dynamic by criteria',
    creates: true,
    refusals: [
      'LIST.NAME_REQUIRED (400)',
      'LIST.CRITERIA_REQUIRED (400)',
      'LIST.CRITERIA_NOT_ALLOWED (400)',
      'LIST.CRITERIA_EMPTY (400)',
      'LIST.CRITERIA_FIELD_UNKNOWN (400)',
      'LIST.CRITERIA_VALUE_INVALID (400)',
      'STREAM.ALREADY_EXISTS',
    ],
  })
  create(@Body() body: CreateMarketingListRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new CreateMarketingListCommand(body, context));
  }

  @Post(':id/members')
  @ApiCommandOn({
    summary: 'Add records to a static list; repeats and current members are ignored, nothing new records nothing',
    refusals: [NOT_STATIC, 'ACCOUNT.NOT_FOUND | CONTACT.NOT_FOUND | LEAD.NOT_FOUND (404, names the missing ids)', TOO_MANY],
  })
  addMembers(@IdParam() id: string, @Body() body: AddListMembersRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new AddListMembersCommand(id, body, context));
  }

  @Post(':id/members/remove')
  @ApiCommandOn({ summary: 'Take records off a static list; ids that are not members are ignored', refusals: [NOT_STATIC, TOO_MANY] })
  removeMembers(@IdParam() id: string, @Body() body: RemoveListMembersRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new RemoveListMembersCommand(id, body, context));
  }
}
