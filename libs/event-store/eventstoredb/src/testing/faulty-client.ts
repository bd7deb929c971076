import { NotLeaderError, UnavailableError } from '@kurrent/kurrentdb-client';
import type { KurrentClient } from '../client';

/**
 * Fault injection around a client, counting writes (appendToStream and
 * multiStreamAppend) from 1:
 *  - 'fail': write k never reaches the server, and its caller hears a lost connection;
 *  - 'lose-reply': write k is carried out, but the reply is lost on the way back;
 *  - 'crash': write k and everything after it fail, reads included, as if the process died;
 *  - 'land-then-down': write k is carried out, then the store becomes unreachable for this client;
 *  - 'not-leader': write k reaches a follower, which refuses it and names the leader (an election).
 */
export type Fault = 'fail' | 'lose-reply' | 'crash' | 'land-then-down' | 'not-leader';

export interface FaultyClient {
  readonly client: KurrentClient;
  /** The writes seen so far, in order: which method and which streams. */
  readonly writes: { method: string; streams: string[] }[];
}

const lost = () => new UnavailableError(undefined, 'connection lost (injected)');

export function faultyClient(inner: KurrentClient, at: number, fault: Fault): FaultyClient {
  const writes: { method: string; streams: string[] }[] = [];
  let dead = false;
  const guard =
    <A extends unknown[], R>(call: (...args: A) => R) =>
    (...args: A): R => {
      if (dead) throw lost();
      return call(...args);
    };
  const write =
    <A extends unknown[], R>(method: string, streams: (...args: A) => string[], call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (dead) throw lost();
      writes.push({ method, streams: streams(...args) });
      if (writes.length !== at) return call(...args);
      if (fault === 'lose-reply' || fault === 'land-then-down') {
        await call(...args);
        dead = fault === 'land-then-down';
        throw lost();
      }
      if (fault === 'crash') dead = true;
      if (fault === 'not-leader') {
        throw new NotLeaderError({ metadata: { 'leader-endpoint-host': 'node-2', 'leader-endpoint-port': '2113' } } as never);
      }
      throw lost();
    };
  const client = {
    appendToStream: write(
      'appendToStream',
      (name: string) => [name],
      inner.appendToStream.bind(inner) as (...args: unknown[]) => Promise<unknown>,
    ),
    multiStreamAppend: write(
      'multiStreamAppend',
      (requests: { streamName: string }[]) => requests.map((r) => r.streamName),
      inner.multiStreamAppend.bind(inner) as (...args: unknown[]) => Promise<unknown>,
    ),
    readStream: guard(inner.readStream.bind(inner)),
    readAll: guard(inner.readAll.bind(inner)),
    subscribeToAll: guard(inner.subscribeToAll.bind(inner)),
    setStreamMetadata: guard(inner.setStreamMetadata.bind(inner)),
    dispose: inner.dispose.bind(inner),
  };
  return { client: client as unknown as KurrentClient, writes };
}
