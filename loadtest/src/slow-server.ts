// A deliberately slow HTTP server, the system under test when load models are compared: it
// answers each request `delayMs` after starting on it, working on at most `concurrency` at a
// time; the others wait their turn in arrival order, as requests wait for a saturated
// service's workers. Its capacity is concurrency × 1000 / delayMs requests per second.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlowServer {
  url: string;
  /** Requests answered so far. */
  answered(): number;
  /** The most requests that were waiting for a turn at once. */
  longestQueue(): number;
  close(): Promise<void>;
}

export async function startSlowServer(options: { delayMs: number; concurrency: number }): Promise<SlowServer> {
  const waiting: ServerResponse[] = [];
  let working = 0;
  let answered = 0;
  let longestQueue = 0;
  const work = (response: ServerResponse) => {
    working += 1;
    setTimeout(() => {
      if (!response.destroyed) {
        response.end('ok');
        answered += 1;
      }
      working -= 1;
      const next = waiting.shift();
      if (next) work(next);
    }, options.delayMs);
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    if (working < options.concurrency) return work(response);
    waiting.push(response);
    longestQueue = Math.max(longestQueue, waiting.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answered: () => answered,
    longestQueue: () => longestQueue,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
