// The ceiling of the bench: a bare node:http server answering GET /hello with a small JSON
// body, nothing else. Reports the port it listens on to the parent process over IPC.
import { createServer } from 'node:http';

const body = JSON.stringify({ hello: 'world' });
const server = createServer((request, response) => {
  if (request.url === '/hello') {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  } else {
    response.writeHead(404).end();
  }
});
server.listen(0, '127.0.0.1', () => {
  process.send?.((server.address() as { port: number }).port);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
