// HTTP as a hostile client sends it: raw bytes on a socket, so tests can send what fetch
// refuses to (header floods, a body that trickles in), and read whatever comes back.
import { connect } from 'node:net';

export interface RawAnswer {
  /** The status line's code, or 0 when the server closed without answering. */
  status: number;
  text: string;
  elapsedMs: number;
}

/** Writes `chunks` with `pauseMs` between them and collects the answer until the server closes or `timeoutMs`. */
export function rawRequest(url: string, chunks: (string | Buffer)[], pauseMs = 0, timeoutMs = 15_000): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let text = '';
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, text, elapsedMs: Date.now() - started });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (data) => {
      text += data.toString('latin1');
    });
    socket.on('close', finish);
    socket.on('error', finish);
    socket.on('connect', async () => {
      for (const [index, chunk] of chunks.entries()) {
        if (socket.destroyed) return;
        if (index > 0 && pauseMs) await new Promise((next) => setTimeout(next, pauseMs));
        socket.write(chunk);
      }
    });
  });
}
