import { Module } from '@nestjs/common';
import { DataSubjectsController } from './data-subjects.controller';
import { DataSubjects } from './data-subjects.service';

/** Right of access and erasure of personal data. */
@Module({ controllers: [DataSubjectsController], providers: [DataSubjects], exports: [DataSubjects] })
export class PrivacyModule {}
