/**
 * Why a request was refused authentication; every one answers 401 with its own detail, and the RFC 6750 §3.1 error
 * code its challenge carries: none without Bearer credentials (`missing`, `other_scheme`: nothing this API reads was
 * sent), `invalid_request` for a Bearer header that holds no well-formed token (`malformed`), `invalid_token` for a
 * token that is bad, unknown, expired or revoked (the rest).
 */
export type FailureReason =
  'missing' | 'other_scheme' | 'malformed' | 'unknown_key' | 'revoked' | 'expired' | 'not_yet_valid' | 'invalid_token';

export class AuthenticationFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
  ) {
    super(message);
    this.name = 'AuthenticationFailure';
  }
}
