import { Module } from '@nestjs/common';
import { ComplaintViewsController } from './complaint-views.controller';
import { LoyaltyViewsController } from './loyalty-views.controller';
import { PipelineViewsController } from './pipeline-views.controller';

/** Query routes (API.md "Queries"): thin controllers over the read models. */
@Module({ controllers: [PipelineViewsController, ComplaintViewsController, LoyaltyViewsController] })
export class ViewsModule {}
