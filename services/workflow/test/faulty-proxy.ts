// A proxy in front of a backend that a test can make fail: answer errors for a while, go
// down (refuse connections), or answer slowly, and heal again.

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';

export class FaultyProxy {
  private server: Server;
  private target = '';
  /** Requests still to be answered with `failStatus`. */
  failures = 0;
  failStatus = 503;
  down = false;
  delayMs = 0;
  received = 0;
  /** Requests whose URL contains this are always answered 500: one poison request among healthy ones. */
  poison: string | undefined;

  constructor() {
    this.server = createServer((request, response) => {
      this.received += 1;
      if (this.down) {
        request.socket.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', async () => {
        if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
        if (this.poison !== undefined && request.url?.includes(this.poison)) {
          response.writeHead(500, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ status: 500, detail: 'poison' }));
          return;
        }
        if (this.failures > 0) {
          this.failures -= 1;
          response
            .writeHead(this.failStatus, { 'content-type': 'application/problem+json' })
            .end(JSON.stringify({ status: this.failStatus, detail: 'injected fault' }));
          return;
        }
        try {
          const upstream = await fetch(`${this.target}${request.url}`, {
            method: request.method ?? 'GET',
            headers: Object.fromEntries(
              Object.entries(request.headers).filter(
                ([name, value]) => typeof value === 'string' && name !== 'host' && name !== 'connection',
              ),
            ) as Record<string, string>,
            ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
          });
          const body = Buffer.from(await upstream.arrayBuffer());
          const contentType = upstream.headers.get('content-type');
          response.writeHead(upstream.status, contentType ? { 'content-type': contentType } : {}).end(body);
        } catch {
          response.socket?.destroy();
        }
      });
    });
  }

  async start(target: string): Promise<string> {
    this.target = target;
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  heal(): void {
    this.failures = 0;
    this.down = false;
    this.delayMs = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
