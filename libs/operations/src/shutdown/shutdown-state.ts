import { Injectable } from '@nestjs/common';

/** Set once SIGTERM arrives: readiness turns 503 and new requests are turned away while in-flight ones finish. */
@Injectable()
export class ShutdownState {
  draining = false;
}
