// A Cosmos DB server for CI and local runs: @vercel/cosmosdb-server (the Cosmos DB REST API,
// in memory) over HTTPS on loopback, with a fresh self-signed certificate for 127.0.0.1 and
// localhost. Once it answers, prints the settings that point the dronescheduler at it, one
// NAME=value per line, and runs until SIGTERM or SIGINT.
//   node services/dronescheduler/scripts/cosmos-server.ts [--port 8091] [--host 127.0.0.1] [--dir DIR]
// --dir keeps the certificate (cert.pem) and key there; otherwise a temporary directory,
// removed on exit. Trust cert.pem in the processes that connect, e.g. with NODE_EXTRA_CA_CERTS
// (a file that replaces the variable's previous value: append cert.pem to the bundle in use).
import { get } from 'node:https';
import { parseArgs } from 'node:util';
import { STAND_IN_KEY, startCosmosServer } from '../test/cosmos-server.ts';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '8091' }, host: { type: 'string', default: '127.0.0.1' }, dir: { type: 'string' } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port: not a port: ${values.port}`);

const server = await startCosmosServer({ port, host: values.host, ...(values.dir ? { dir: values.dir } : {}) });

// Ready means a client trusting only that certificate gets the account's answer.
await new Promise<void>((resolve, reject) => {
  const request = get(server.endpoint, { ca: server.certificate, timeout: 5_000 }, (response) => {
    response.resume();
    if (response.statusCode === 200) resolve();
    else reject(new Error(`the server answered ${response.statusCode} to its readiness check`));
  });
  request.on('timeout', () => request.destroy(new Error('the server did not answer its readiness check')));
  request.on('error', reject);
});

process.stdout.write(`COSMOS_ENDPOINT=${server.endpoint}\nCOSMOS_KEY=${STAND_IN_KEY}\nCOSMOS_CERTIFICATE=${server.certificateFile}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
