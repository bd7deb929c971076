import { createHmac, hkdfSync } from 'node:crypto';

/**
 * Keyed hashes of normalised values (an email, an E.164 phone) for matching
 * without keeping them: `HMAC-SHA256(k, value)` where k is derived from the
 * server secret. Without the secret a blind index cannot be checked against a
 * list of phone numbers.
 */
export class BlindIndex {
  private readonly key: Buffer;

  constructor(serverSecret: Buffer, purpose = 'crm blind index v1') {
    this.key = Buffer.from(hkdfSync('sha256', serverSecret, Buffer.alloc(0), purpose, 32));
  }

  of(normalised: string): string {
    return createHmac('sha256', this.key).update(normalised, 'utf8').digest('base64url');
  }
}
