import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { startTestApp, type TestApp } from '../testing/test-app';

/**
 * A body over CRM_BODY_LIMIT_BYTES is refused 413 by its Content-Length, before it is read. Before, the connection was
 * closed as soon as the 413 was written, while the client was still uploading: the unread bytes made the close a
 * reset, and a client still writing saw a failed upload and never read the 413 (an outside probe: curl exit 55, and
 * 4–35 of 60 two-megabyte bodies from fetch). Now the rest of the body is read and dropped first (up to a cap).
 */
describe('a body over the limit, sent by a client still uploading (real server)', () => {
  let server: TestApp;
  let key: string;

  beforeAll(async () => {
    server = await startTestApp({ CRM_BODY_LIMIT_BYTES: '65536' });
    key = readFileSync(join(server.config.dataDir, 'bootstrap-admin.key'), 'utf8').trim();
  });
  afterAll(async () => server.close());

  /** Sends a `size`-byte body in 64 kB chunks, each after the last was taken by the socket; what came back, and any socket error. */
  const upload = (size: number) =>
    new Promise<{ reply: string; error?: string }>((resolve) => {
      const { hostname, port } = new URL(server.url);
      const socket = connect({ host: hostname, port: Number(port) });
      let reply = '';
      let error: string | undefined;
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (reply += chunk));
      socket.on('error', (e) => (error ??= String(e)));
      socket.on('close', () => resolve({ reply, ...(error === undefined ? {} : { error }) }));
      socket.on('connect', async () => {
        const body = Buffer.alloc(size, 'x');
        socket.write(
          `POST /api/v1/feedback HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${key}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`,
        );
        for (let at = 0; at < size && !socket.destroyed; at += 65536) {
          if (!socket.write(body.subarray(at, at + 65536))) await new Promise((next) => socket.once('drain', next));
        }
      });
    });

  it('answers 413 problem+json to every one of them, and never resets the upload', async () => {
    for (let round = 0; round < 6; round += 1) {
      const { reply, error } = await upload(4 * 1024 * 1024);
      expect({ status: reply.slice(0, 12), error }).toEqual({ status: 'HTTP/1.1 413', error: undefined });
      expect(reply).toMatch(/content-type: application\/problem\+json/i);
      expect(reply).toContain('"code":"REQUEST.TOO_LARGE"');
    }
  });
});
