import { Controller } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';

@ApiTags('views')
@Controller('views')
export class ComplaintViewsController {}
