import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EdgeLimiters } from '@crm/shared/http';
import { Authenticator } from '../authentication/authenticator';
import { installAuthenticationHook } from './authentication-hook';

/** Puts authentication in front of every route of the app (call before the app is initialised). */
export function installIdentity(app: NestFastifyApplication, limits?: EdgeLimiters): void {
  installAuthenticationHook(app.getHttpAdapter().getInstance(), app.get(Authenticator), limits);
}
