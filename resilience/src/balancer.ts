// What a Kubernetes Service and its endpoints do for the fault suite: spread requests over a
// service's replicas, send nothing to a replica whose readiness probe fails (checked every
// 200 ms, as endpoints follow readiness), and let a test slow the service down or cut it off.
import { once } from 'node:events';
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export class Balancer {
  private readonly server: Server;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private readonly replicas = new Map<string, boolean>();
  private next = 0;
  private probe: NodeJS.Timeout | undefined;
  /** Added before every request is forwarded: a slow service. */
  delayMs = 0;
  /** Refuse every connection: the service is unreachable. */
  down = false;
  port = 0;

  constructor() {
    this.server = createServer((request, response) => this.forward(request, response));
    this.server.on('connection', (socket) => {
      if (this.down) socket.destroy();
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(port = 0): Promise<void> {
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as { port: number }).port;
    this.probe = setInterval(() => void this.checkReadiness(), 200);
  }

  /** Starts sending to a replica once its readiness probe passes. */
  add(replicaUrl: string): void {
    this.replicas.set(replicaUrl, false);
    void this.checkReadiness();
  }

  remove(replicaUrl: string): void {
    this.replicas.delete(replicaUrl);
  }

  get readyReplicas(): string[] {
    return [...this.replicas].filter(([, ready]) => ready).map(([url]) => url);
  }

  private async checkReadiness(): Promise<void> {
    await Promise.all(
      [...this.replicas.keys()].map(async (url) => {
        const ready = await fetch(`${url}/healthz/ready`, { signal: AbortSignal.timeout(1000) }).then(
          (response) => response.ok,
          () => false,
        );
        if (this.replicas.has(url)) this.replicas.set(url, ready);
      }),
    );
  }

  private async forward(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const ready = this.readyReplicas;
    if (this.down || ready.length === 0) {
      // No endpoints: what a client of a Service without ready pods sees.
      request.socket.destroy();
      return;
    }
    const target = new URL(ready[this.next++ % ready.length] as string);
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers, agent: this.agent },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => request.socket.destroy());
    request.pipe(upstream);
  }

  async close(): Promise<void> {
    clearInterval(this.probe);
    this.server.closeAllConnections();
    this.server.close();
    this.agent.destroy();
  }
}
