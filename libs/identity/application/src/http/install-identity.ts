import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressLimiter } from '@crm/shared/http';
import { Authenticator } from '../authentication/authenticator';
import { installAuthenticationHook } from './authentication-hook';

/** Puts authentication in front of every route of the app (call before the app is initialised). */
export function installIdentity(app: NestFastifyApplication, failures?: AddressLimiter): void {
  installAuthenticationHook(app.getHttpAdapter().getInstance(), app.get(Authenticator), failures);
}
