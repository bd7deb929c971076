import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ProblemDetailsFilter } from './problem-details.filter';
import { createValidationPipe } from './validation';

/** Half of KurrentDB's default MaxAppendSize, so that what the edge accepts can be recorded (platform app-config.ts). */
export const DEFAULT_BODY_LIMIT_BYTES = 512 * 1024;

export function createFastifyAdapter(bodyLimit = DEFAULT_BODY_LIMIT_BYTES): FastifyAdapter {
  return new FastifyAdapter({ bodyLimit, trustProxy: true });
}

export interface HttpAppOptions {
  readonly title?: string;
  readonly version?: string;
}

/**
 * Everything an HTTP host needs so that every context behaves the same:
 * /api/v1 prefix, validation, problem+json for every error (Nest hands the
 * ones Fastify raises while parsing — 413, malformed JSON — to the same
 * filter), and the OpenAPI document.
 */
export async function configureHttpApp(app: NestFastifyApplication, options: HttpAppOptions = {}): Promise<void> {
  app.setGlobalPrefix('api/v1', { exclude: ['health', 'metrics'] });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter());

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(options.title ?? 'CRM core API')
      .setDescription('Commands append immutable events; views read projections. Errors are application/problem+json (RFC 9457).')
      .setVersion(options.version ?? '1')
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json', useGlobalPrefix: false });
}
