// Runs a project command on a machine that may have only Node.js and npm:
//   npm start   → node scripts/bootstrap.mjs start   (the whole system, embedded)
//   npm test    → node scripts/bootstrap.mjs test    (every test)
//   npm run token -- --owner <id> --role customer
//               → node scripts/bootstrap.mjs token … (a development token, gateway/scripts/token.ts)
// It makes sure of what the command needs, installing what is missing under .tools/:
// Node.js 22.18+ (Node 24 LTS from the npm registry when the running one is older), pnpm at
// the version package.json pins, and the workspace's dependencies from the lockfile.
// Plain JavaScript on purpose: it must run on the Node.js a newcomer happens to have.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  existsSync,
  constants as fsConstants,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer as createNetServer } from 'node:net';
import { constants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tools = join(root, '.tools');
const [command = 'start', ...rest] = process.argv.slice(2);
const say = (text) => process.stderr.write(`[bootstrap] ${text}\n`);
const run = (file, args, options = {}) => execFileSync(file, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...options });

function nodeIsRecentEnough(version) {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 18);
}

/** A Node.js that strips TypeScript types: this one, or Node 24 fetched from the npm registry. */
function ensureNode() {
  if (nodeIsRecentEnough(process.version)) return process.execPath;
  const binary = join(tools, 'node', 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (existsSync(binary)) return binary;
  const pkg = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}@24`;
  say(`Node.js ${process.version} is too old (22.18+ runs TypeScript directly); fetching ${pkg} from the npm registry into .tools/node`);
  const staging = join(tools, 'node-staging');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', staging, pkg], { stdio: ['ignore', 'ignore', 'inherit'] });
  const [name] = pkg.split('@');
  rmSync(join(tools, 'node'), { recursive: true, force: true });
  renameSync(join(staging, 'node_modules', name), join(tools, 'node'));
  rmSync(staging, { recursive: true, force: true });
  return binary;
}

/** pnpm at the pinned version: one on the PATH if it matches, else installed under .tools/pnpm. */
function ensurePnpm(node) {
  const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1];
  try {
    if (execFileSync('pnpm', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() === pinned) return ['pnpm'];
  } catch {
    // not on the PATH
  }
  const local = join(tools, 'pnpm', 'node_modules', 'pnpm', 'bin', 'pnpm.mjs');
  const installed = existsSync(local) && execFileSync(node, [local, '-v'], { encoding: 'utf8' }).trim() === pinned;
  if (!installed) {
    say(`installing pnpm ${pinned} into .tools/pnpm`);
    mkdirSync(join(tools, 'pnpm'), { recursive: true });
    run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', join(tools, 'pnpm'), `pnpm@${pinned}`], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  return [node, local];
}

/** The workspace's dependencies, installed from the lockfile when it changed since the last install. */
function ensureDependencies(node, pnpm) {
  const lock = createHash('sha256')
    .update(readFileSync(join(root, 'pnpm-lock.yaml')))
    .digest('hex');
  const marker = join(root, 'node_modules', '.bootstrap-lock');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === lock) return;
  say('installing dependencies (pnpm install --frozen-lockfile)');
  const [file, ...args] = pnpm;
  // Progress on stderr, like everything the bootstrap says: stdout is the command's (a token, say).
  run(file, [...args, 'install', '--frozen-lockfile'], {
    stdio: ['ignore', 2, 'inherit'],
    env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` },
  });
  writeFileSync(marker, lock);
}

const node = ensureNode();
// A development token needs only the gateway's JWT library: once that is installed, the
// token command skips the install check (and so needs neither pnpm nor the registry).
const tokenReady = command === 'token' && existsSync(join(root, 'gateway', 'node_modules', 'jose', 'package.json'));
if (!tokenReady) ensureDependencies(node, ensurePnpm(node));

const commands = {
  start: [node, ['--import', '@dronedelivery/service-kit/telemetry', 'src/main.ts', ...rest], join(root, 'embedded')],
  test: [node, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...rest], root],
  token: [node, [join(root, 'gateway', 'scripts', 'token.ts'), ...rest], root],
};
const chosen = commands[command];
if (!chosen) {
  say(`unknown command "${command}"; use one of: ${Object.keys(commands).join(', ')}`);
  process.exit(2);
}
const [file, args, cwd] = chosen;

/** An executable of that name on the PATH, if any. */
function onPath(name) {
  for (const directory of (process.env.PATH ?? '').split(':')) {
    const candidate = join(directory, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => socket.end(() => resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/**
 * For `test`: the servers the suites need that are installed but not configured, started
 * for this run on free loopback ports and stopped with it (a suite whose server is absent
 * skips itself, and the run's summary says how to enable it).
 */
async function startTestPeers() {
  const env = {};
  const peers = [];
  const start = async (name, binary, argsFor, variable, urlFor) => {
    const port = await freePort();
    const peer = spawn(binary, argsFor(port), { stdio: 'ignore' });
    peers.push(peer);
    if (await waitForPort(port)) {
      env[variable] = urlFor(port);
      say(`started ${name} for the tests on 127.0.0.1:${port} (${variable})`);
    } else {
      say(`${name} did not start; the suites that need it will say so`);
    }
  };
  const redis = process.env.REDIS_URL ? undefined : onPath('redis-server');
  if (redis)
    await start(
      'redis-server',
      redis,
      (port) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      'REDIS_URL',
      (port) => `redis://127.0.0.1:${port}`,
    );
  const ferretdb = process.env.MONGODB_URL
    ? undefined
    : [process.env.FERRETDB_BIN, join(tools, 'bin', 'ferretdb'), onPath('ferretdb')].find((path) => path && existsSync(path));
  if (ferretdb) {
    const dir = mkdtempSync(join(tmpdir(), 'test-ferretdb-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    await start(
      'FerretDB',
      ferretdb,
      (port) => ['-listen', `127.0.0.1:${port}`, '-dir', `${dir}/`],
      'MONGODB_URL',
      (port) => `mongodb://127.0.0.1:${port}/`,
    );
  }
  // Peers the repository itself provides, started by its scripts, which print their settings
  // (NAME=value lines) once ready: a Redis Cluster of three (needs redis-server and redis-cli),
  // and a Cosmos DB server (an npm dependency, so always there).
  const startScript = async (name, script, variables) => {
    const peer = spawn(node, [join(root, script), '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
    peers.push(peer);
    const settings = {};
    const ready = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), 60_000);
      let buffered = '';
      peer.stdout.on('data', (chunk) => {
        buffered += chunk;
        for (const line of buffered.split('\n').slice(0, -1)) {
          const [key, ...value] = line.split('=');
          settings[key] = value.join('=');
        }
        if (variables.every((variable) => settings[variable])) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      peer.once('exit', () => resolve(false));
    });
    if (!ready) say(`${name} did not start; the suites that need it will say so`);
    else say(`started ${name} for the tests (${variables.join(', ')})`);
    return ready ? settings : undefined;
  };
  if (!process.env.REDIS_CLUSTER_URL && onPath('redis-server') && onPath('redis-cli')) {
    const cluster = await startScript('a Redis Cluster', 'packages/redis/scripts/redis-cluster.ts', ['REDIS_CLUSTER_URL']);
    if (cluster) env.REDIS_CLUSTER_URL = cluster.REDIS_CLUSTER_URL;
  }
  if (!process.env.COSMOS_ENDPOINT) {
    const cosmos = await startScript('a Cosmos DB server', 'services/dronescheduler/scripts/cosmos-server.ts', [
      'COSMOS_ENDPOINT',
      'COSMOS_KEY',
      'COSMOS_CERTIFICATE',
    ]);
    if (cosmos) {
      // Trusted next to the CAs already in use (NODE_EXTRA_CA_CERTS takes one file).
      const bundle = join(mkdtempSync(join(tmpdir(), 'test-cosmos-ca-')), 'ca-bundle.pem');
      const previous =
        process.env.NODE_EXTRA_CA_CERTS && existsSync(process.env.NODE_EXTRA_CA_CERTS)
          ? readFileSync(process.env.NODE_EXTRA_CA_CERTS, 'utf8')
          : '';
      writeFileSync(bundle, `${previous}\n${readFileSync(cosmos.COSMOS_CERTIFICATE, 'utf8')}`);
      process.on('exit', () => rmSync(dirname(bundle), { recursive: true, force: true }));
      Object.assign(env, { COSMOS_ENDPOINT: cosmos.COSMOS_ENDPOINT, COSMOS_KEY: cosmos.COSMOS_KEY, NODE_EXTRA_CA_CERTS: bundle });
    }
  }
  process.on('exit', () => {
    for (const peer of peers) peer.kill('SIGTERM');
  });
  return env;
}

const peerEnv = command === 'test' ? await startTestPeers() : {};
// The chosen Node first on the PATH, so that child processes the tests start use it too.
// The child leads a process group of its own, and gets every signal from here, once: in
// ours, a signal to the group (Ctrl-C, `kill -- -<pgid>`, a supervisor) reached it twice,
// from the sender and from here, and a second SIGTERM tells a service to exit at once.
const child = spawn(file, args, {
  cwd,
  stdio: 'inherit',
  detached: true,
  env: { ...process.env, ...peerEnv, PATH: `${dirname(node)}:${process.env.PATH}` },
});
/** Longer than any service's hard shutdown timeout (the embedded system's is 20 s). */
const STOP_TIMEOUT_MS = 30_000;
/** A repeat within this long is the same request by another route (npm forwards what the terminal sent us too). */
const SAME_SIGNAL_MS = 1_000;
let lastForwarded = 0;
let killTimer;
const toChildGroup = (signal) => {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
};
// A closed terminal (SIGHUP) asks for a graceful stop like the others.
for (const [received, forwarded] of [
  ['SIGINT', 'SIGINT'],
  ['SIGTERM', 'SIGTERM'],
  ['SIGHUP', 'SIGTERM'],
]) {
  process.on(received, () => {
    if (Date.now() - lastForwarded < SAME_SIGNAL_MS) return;
    lastForwarded = Date.now();
    toChildGroup(forwarded);
    // Whatever the child does with the signal, nothing outlives this.
    killTimer ??= setTimeout(() => {
      say(`${command} did not stop within ${STOP_TIMEOUT_MS} ms of ${received}; killing it`);
      toChildGroup('SIGKILL');
      process.exit(1);
    }, STOP_TIMEOUT_MS);
  });
}
child.on('exit', (code, signal) => {
  clearTimeout(killTimer);
  // What the child started in its group and left running goes with it.
  toChildGroup('SIGTERM');
  process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
});
