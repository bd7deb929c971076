import { INTERACTION_CHANNELS, type InteractionChannel, type InteractionDirection, assertLoggedAfter } from '@crm/activities/domain';
import { AlsoChecks, CommandRequestDto, EnumField, IdField, IntField, NestedField, TextField, TimeField } from '@crm/shared/http';
import { MAX } from '../../shared/limits';
import { RegardingDto } from '../../shared/regarding.dto';

const DIRECTIONS = ['inbound', 'outbound'] as const satisfies readonly InteractionDirection[];

@AlsoChecks({
  reads: ['occurredAt'],
  check: ({ occurredAt }, now) => {
    if (typeof occurredAt === 'string') assertLoggedAfter(occurredAt, now);
  },
})
export class LogInteractionRequestDto extends CommandRequestDto {
  @IdField({ optional: true, description: 'Client-chosen interaction id; the server makes one otherwise' })
  id?: string;

  @EnumField(INTERACTION_CHANNELS, { example: 'phone' })
  channel!: InteractionChannel;

  @EnumField(DIRECTIONS, { example: 'inbound', description: 'inbound: the customer reached us; outbound: we reached them' })
  direction!: InteractionDirection;

  @NestedField(() => RegardingDto, { description: 'The record the interaction is about; it must exist' })
  regarding!: RegardingDto;

  @TextField(MAX.summary, { example: 'مشتری درباره زمان تحویل پرسید' })
  summary!: string;

  @TimeField('instant', {
    description: 'When it happened, with its offset; not in the future (5 minutes of clock skew are allowed)',
    example: '2025-03-03T10:30:00+03:30',
  })
  occurredAt!: string;

  // A day: longer is a stay, not an interaction.
  @IntField(0, 86_400, { optional: true, example: 240 })
  durationSeconds?: number;

  @IdField({ optional: true, description: 'The activity this interaction carried out; it must exist' })
  activityId?: string;
}
