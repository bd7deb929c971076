import { Module } from '@nestjs/common';

/** The sales context's command handlers, controllers and process managers. */
@Module({})
export class SalesModule {}
