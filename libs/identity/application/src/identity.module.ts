import { Module, type DynamicModule } from '@nestjs/common';
import { ApiKeysController } from './admin/api-keys.controller';
import { CreateApiKeyHandler } from './admin/create-api-key/create-api-key.handler';
import { RevokeApiKeyHandler } from './admin/revoke-api-key/revoke-api-key.handler';
import { Authenticator } from './authentication/authenticator';
import { BootstrapAdminKey } from './bootstrap/bootstrap-admin-key';
import type { AuthSettings } from './identity-settings';
import { JwtVerifier } from './jwt/jwt-verifier';
import { loadApiKeySecret } from './keys/api-key-secret';
import { ApiKeyRegistry } from './keys/api-key-registry';
import { API_KEY_SECRET, AUTH_SETTINGS } from './tokens';

/** Who the caller is: API keys (an event-sourced aggregate), JWT, the bootstrap key and key administration. */
@Module({})
export class IdentityModule {
  static forRoot(settings: AuthSettings): DynamicModule {
    const jwt = settings.jwt;
    return {
      module: IdentityModule,
      providers: [
        { provide: AUTH_SETTINGS, useValue: settings },
        { provide: API_KEY_SECRET, useFactory: () => loadApiKeySecret(settings) },
        ...(jwt ? [{ provide: JwtVerifier, useFactory: () => JwtVerifier.fromSettings(jwt) }] : []),
        ApiKeyRegistry,
        Authenticator,
        BootstrapAdminKey,
        CreateApiKeyHandler,
        RevokeApiKeyHandler,
      ],
      controllers: [ApiKeysController],
      exports: [Authenticator, ApiKeyRegistry],
    };
  }
}
