import { Module } from '@nestjs/common';
import { ActivitiesController } from './activity/activities.controller';
import { CancelActivityHandler } from './activity/cancel-activity/cancel-activity.handler';
import { CompleteActivityHandler } from './activity/complete-activity/complete-activity.handler';
import { ReassignActivityHandler } from './activity/reassign-activity/reassign-activity.handler';
import { RescheduleActivityHandler } from './activity/reschedule-activity/reschedule-activity.handler';
import { ScheduleActivityHandler } from './activity/schedule-activity/schedule-activity.handler';
import { InteractionsController } from './interaction/interactions.controller';
import { LogInteractionHandler } from './interaction/log-interaction/log-interaction.handler';

const HANDLERS = [
  ScheduleActivityHandler,
  RescheduleActivityHandler,
  ReassignActivityHandler,
  CompleteActivityHandler,
  CancelActivityHandler,
  LogInteractionHandler,
];
const CONTROLLERS = [ActivitiesController, InteractionsController];

/** The activities context: activities (one-off or recurring) and the interaction log. */
@Module({ controllers: CONTROLLERS, providers: HANDLERS })
export class ActivitiesModule {}
