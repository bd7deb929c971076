/** Why a presented credential was refused; every one answers 401 (RFC 6750 `invalid_token`) with its own detail. */
export type FailureReason = 'missing' | 'malformed' | 'unknown_key' | 'revoked' | 'expired' | 'not_yet_valid' | 'invalid_token';

export class AuthenticationFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
  ) {
    super(message);
    this.name = 'AuthenticationFailure';
  }
}
