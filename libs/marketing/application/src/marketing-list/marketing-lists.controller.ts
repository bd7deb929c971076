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
import { marketingListDecider } from '@crm/marketing/domain';

/** The aggregate these routes decide on: its declared refusals are what they answer. */
const DECIDES = { decides: [marketingListDecider] };

@ApiTags('marketing-lists')
@Controller('marketing-lists')
export class MarketingListsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @ApiCommand({
    ...DECIDES,
    summary: 'Create a marketing list (فهرست بازاریابی) of accounts, contacts or leads: static, or dynamic by criteria',
    creates: true,
  })
  create(@Body() body: CreateMarketingListRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new CreateMarketingListCommand(body, context));
  }

  @Post(':id/members')
  @ApiCommandOn({
    ...DECIDES,
    refersTo: ['lead', 'contact', 'account'],
    summary: 'Add records to a static list; repeats and current members are ignored, nothing new records nothing',
  })
  addMembers(@IdParam() id: string, @Body() body: AddListMembersRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new AddListMembersCommand(id, body, context));
  }

  @Post(':id/members/remove')
  @ApiCommandOn({ ...DECIDES, summary: 'Take records off a static list; ids that are not members are ignored' })
  removeMembers(@IdParam() id: string, @Body() body: RemoveListMembersRequestDto, @Ctx() context: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new RemoveListMembersCommand(id, body, context));
  }
}
