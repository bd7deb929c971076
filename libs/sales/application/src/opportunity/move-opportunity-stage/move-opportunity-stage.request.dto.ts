import { CommandRequestDto, EnumField, IntField } from '@crm/shared/http';
import { OPEN_STAGES, type OpenStage } from '@crm/sales/domain';

export class MoveOpportunityStageRequestDto extends CommandRequestDto {
  @EnumField(OPEN_STAGES, { description: 'won and lost are reached by /win and /lose' })
  stage!: OpenStage;

  @IntField(0, 100, { optional: true, description: "Win probability (%); the stage's default when absent" })
  probability?: number;
}
