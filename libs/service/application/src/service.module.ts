import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { createComplaintDecider, type SlaPolicy } from '@crm/service/domain';
import { READ_STORE } from '@crm/shared/http';
import type { ReadStore } from '@crm/shared/read-model';
import { AcknowledgeComplaintHandler } from './complaint/acknowledge-complaint/acknowledge-complaint.handler';
import { AddInvestigationNoteHandler } from './complaint/add-investigation-note/add-investigation-note.handler';
import { AssessComplaintHandler } from './complaint/assess-complaint/assess-complaint.handler';
import { AssignComplaintHandler } from './complaint/assign-complaint/assign-complaint.handler';
import { CloseComplaintHandler } from './complaint/close-complaint/close-complaint.handler';
import { CommunicateDecisionHandler } from './complaint/communicate-decision/communicate-decision.handler';
import { ComplaintController } from './complaint/complaint.controller';
import { ComplaintStreams } from './complaint/complaint-streams';
import { EscalateComplaintHandler } from './complaint/escalate-complaint/escalate-complaint.handler';
import { ReceiveComplaintHandler } from './complaint/receive-complaint/receive-complaint.handler';
import { RecordHandlingSatisfactionHandler } from './complaint/record-handling-satisfaction/record-handling-satisfaction.handler';
import { ReopenComplaintHandler } from './complaint/reopen-complaint/reopen-complaint.handler';
import { RespondToComplaintHandler } from './complaint/respond-to-complaint/respond-to-complaint.handler';
import { ComplaintDeadlineWatcher } from './complaint/sla/complaint-deadline-watcher';
import { InMemoryOpenDeadlines, ReadStoreOpenDeadlines, type OpenDeadlinesReadModel } from './complaint/sla/open-deadlines.read-model';
import { SlaScheduler } from './complaint/sla/sla-scheduler';
import { FeedbackController } from './feedback/feedback.controller';
import { SubmitFeedbackHandler } from './feedback/submit-feedback/submit-feedback.handler';
import { AcknowledgeFeedbackHandler } from './feedback/acknowledge-feedback/acknowledge-feedback.handler';
import { loadServiceConfig, type ServiceConfig, type ServiceModuleOptions } from './service-config';
import { COMPLAINT_DECIDER, OPEN_DEADLINES, SERVICE_CONFIG, SERVICE_OPTIONS, SLA_POLICY } from './service.tokens';
import { RecordSurveyResponseHandler } from './survey/record-survey-response/record-survey-response.handler';
import { SurveyController } from './survey/survey.controller';

const HANDLERS = [
  ReceiveComplaintHandler,
  AcknowledgeComplaintHandler,
  AssessComplaintHandler,
  AssignComplaintHandler,
  AddInvestigationNoteHandler,
  RespondToComplaintHandler,
  CommunicateDecisionHandler,
  EscalateComplaintHandler,
  CloseComplaintHandler,
  ReopenComplaintHandler,
  RecordHandlingSatisfactionHandler,
  SubmitFeedbackHandler,
  AcknowledgeFeedbackHandler,
  RecordSurveyResponseHandler,
];

const PROVIDERS: Provider[] = [
  {
    provide: SERVICE_CONFIG,
    // Read at start-up so a bad CRM_SLA_POLICY stops the process with a clear message.
    useFactory: (options?: ServiceModuleOptions) => loadServiceConfig(process.env, options),
    inject: [{ token: SERVICE_OPTIONS, optional: true }],
  },
  { provide: SLA_POLICY, useFactory: (config: ServiceConfig) => config.slaPolicy, inject: [SERVICE_CONFIG] },
  { provide: COMPLAINT_DECIDER, useFactory: (slaPolicy: SlaPolicy) => createComplaintDecider({ slaPolicy }), inject: [SLA_POLICY] },
  {
    provide: OPEN_DEADLINES,
    // In the host's read store when it has one: a restart resumes the watcher from its checkpoint.
    useFactory: (options?: ServiceModuleOptions, readStore?: ReadStore): OpenDeadlinesReadModel =>
      options?.openDeadlines ?? (readStore ? new ReadStoreOpenDeadlines(readStore) : new InMemoryOpenDeadlines()),
    inject: [
      { token: SERVICE_OPTIONS, optional: true },
      { token: READ_STORE, optional: true },
    ],
  },
  ComplaintStreams,
  ComplaintDeadlineWatcher,
  SlaScheduler,
  ...HANDLERS,
];

/** The service context: complaints (ISO 10002) with SLA deadlines, feedback and surveys (ISO 10004). */
@Module({
  controllers: [ComplaintController, FeedbackController, SurveyController],
  providers: PROVIDERS,
  exports: [SLA_POLICY, COMPLAINT_DECIDER, ComplaintDeadlineWatcher],
})
export class ServiceModule {}

/**
 * Options for the service context, for hosts and tests that must not depend on the
 * environment. The API host mounts ServiceModule itself, so options arrive through
 * this global module instead of a second, differently configured ServiceModule.
 */
@Global()
@Module({})
export class ServiceOptionsModule {
  static forRoot(options: ServiceModuleOptions): DynamicModule {
    return { module: ServiceOptionsModule, providers: [{ provide: SERVICE_OPTIONS, useValue: options }], exports: [SERVICE_OPTIONS] };
  }
}
