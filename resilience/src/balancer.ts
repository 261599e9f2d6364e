// What a Kubernetes Service and its endpoints do for the fault suite: spread requests over a
// service's replicas, send nothing to a replica whose readiness probe fails (checked every
// 200 ms, as endpoints follow readiness), take a replica out at once when it is told to
// terminate (as the endpoints controller does for a deleted pod), and let a test slow the
// service down or cut it off.
import { once } from 'node:events';
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export class Balancer {
  private readonly server: Server;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private readonly replicas = new Map<string, boolean>();
  /** Replicas sent SIGTERM: never ready again, whatever their probe says. */
  private readonly terminating = new Set<string>();
  private next = 0;
  private probe: NodeJS.Timeout | undefined;
  /** Added before every request is forwarded: a slow service. */
  delayMs = 0;
  /** Refuse every connection: the service is unreachable. */
  down = false;
  port = 0;
  /** Requests this Balancer cut off instead of forwarding or answering, by cause: what a client saw as a reset. */
  readonly dropped = new Map<string, number>();

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
    this.terminating.delete(replicaUrl);
  }

  /**
   * No new requests for a replica about to get SIGTERM; those in flight finish. Kubernetes
   * takes a terminating pod out of its Service's endpoints when it sends SIGTERM, not when a
   * readiness probe fails: on a starved CPU a probe answer can take longer than the replica's
   * shutdown delay, and requests would reach a closed listener.
   */
  drain(replicaUrl: string): void {
    this.terminating.add(replicaUrl);
    if (this.replicas.has(replicaUrl)) this.replicas.set(replicaUrl, false);
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
        if (this.replicas.has(url)) this.replicas.set(url, ready && !this.terminating.has(url));
      }),
    );
  }

  private async forward(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const ready = this.readyReplicas;
    if (this.down || ready.length === 0) {
      // No endpoints: what a client of a Service without ready pods sees.
      this.drop(this.down ? 'down' : 'no ready replica');
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
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      // A caller that hung up first (killed, or gave up after its timeout) was not cut off here.
      if (!request.destroyed && !response.destroyed) this.drop(`${target.host}: ${error.code ?? error.message}`);
      request.socket.destroy();
    });
    request.pipe(upstream);
  }

  private drop(cause: string): void {
    this.dropped.set(cause, (this.dropped.get(cause) ?? 0) + 1);
  }

  async close(): Promise<void> {
    clearInterval(this.probe);
    this.server.closeAllConnections();
    this.server.close();
    this.agent.destroy();
  }
}
