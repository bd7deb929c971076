import { Module } from '@nestjs/common';
import { ActivityViewsController } from './activity-views.controller';
import { ComplaintViewsController } from './complaint-views.controller';
import { LoyaltyViewsController } from './loyalty-views.controller';
import { PipelineViewsController } from './pipeline-views.controller';

/** Query routes (API.md "Queries"): thin controllers over the read models. */
@Module({ controllers: [PipelineViewsController, ComplaintViewsController, LoyaltyViewsController, ActivityViewsController] })
export class ViewsModule {}
