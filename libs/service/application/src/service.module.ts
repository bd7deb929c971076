import { Module } from '@nestjs/common';

/** The service context's command handlers, controllers, SLA watcher. */
@Module({})
export class ServiceModule {}
