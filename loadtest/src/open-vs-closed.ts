// node loadtest/src/open-vs-closed.ts: the same offered rate, twice the capacity of a
// deliberately slow server, sent by autocannon's closed model and by the open-model generator
// (with room for every request, and with the bound a scenario would set), each against a fresh
// server. Prints one markdown row per run: what was sent, answered, dropped and how long it took.
import { runArrivals } from './arrival-rate.ts';
import { runLoad } from './measure.ts';
import { inFlightBound } from './scenarios.ts';
import { startSlowServer } from './slow-server.ts';
import { REQUEST_TIMEOUT_SECONDS } from './traffic.ts';

/** 2 workers × 20 ms: 100 answers a second at most. */
const SERVER = { delayMs: 20, concurrency: 2 };
const STAGE = { rate: 200, seconds: 10 };
/** The connections the scenarios' closed runner opened for this rate. */
const CLOSED_CONNECTIONS = 10;
/** The stress scenario's bound for this rate (its p99 threshold, 500 ms). */
const BOUND = inFlightBound([STAGE], { p95Ms: 250, p99Ms: 500, maxErrorRate: 0 });
const offered = STAGE.rate * STAGE.seconds;

interface Row {
  model: string;
  sent: number;
  dropped: number;
  answered: number;
  /** Seconds from the start until the last request settled. */
  seconds: number;
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
}

async function againstSlowServer(run: (url: string) => Promise<Row>): Promise<Row & { longestQueue: number }> {
  const server = await startSlowServer(SERVER);
  try {
    const row = await run(server.url);
    return { ...row, longestQueue: server.longestQueue() };
  } finally {
    await server.close();
  }
}

/** autocannon sends a request only when one of its connections is free: whatever it sent was answered or failed. */
async function closedModel(url: string): Promise<Row> {
  const result = await runLoad({
    url,
    requests: [{ method: 'GET', path: '/' }],
    connections: CLOSED_CONNECTIONS,
    durationSeconds: STAGE.seconds,
    rate: STAGE.rate,
    timeoutSeconds: REQUEST_TIMEOUT_SECONDS,
  });
  return {
    model: `closed (autocannon, ${CLOSED_CONNECTIONS} connections)`,
    sent: result.requests + result.errors,
    dropped: 0,
    answered: result.requests,
    seconds: result.durationSeconds,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: result.latencyMs,
  };
}

function openModel(maxInFlight: number, model: string): (url: string) => Promise<Row> {
  return async (url) => {
    const [stage] = await runArrivals({
      url,
      stages: [STAGE],
      maxInFlight,
      requests: [() => ({ method: 'GET', path: '/' })],
      timeoutMs: REQUEST_TIMEOUT_SECONDS * 1000,
    });
    if (!stage) throw new Error('no stage result');
    return { model, ...stage, answered: stage.requests, seconds: stage.settledAfterSeconds };
  };
}

const rows = [
  await againstSlowServer(closedModel),
  await againstSlowServer(openModel(offered, 'open, room for every request')),
  await againstSlowServer(openModel(BOUND, `open, at most ${BOUND} outstanding`)),
];

const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
process.stdout.write(
  [
    `Offered: ${STAGE.rate} requests/s for ${STAGE.seconds} s (${offered} requests) to a server answering at most ` +
      `${(SERVER.concurrency * 1000) / SERVER.delayMs}/s (${SERVER.concurrency} at a time, ${SERVER.delayMs} ms each); timeout ${REQUEST_TIMEOUT_SECONDS} s.`,
    '',
    line([
      'load model',
      'sent',
      'dropped',
      'answered',
      'in (s)',
      'answered/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'max ms',
      'errors (timeouts)',
      'longest queue at the server',
    ]),
    line(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    ...rows.map((row) =>
      line([
        row.model,
        row.sent,
        row.dropped,
        row.answered,
        Math.round(row.seconds * 10) / 10,
        Math.round(row.answered / row.seconds),
        row.latencyMs.p50,
        row.latencyMs.p95,
        row.latencyMs.p99,
        row.latencyMs.max,
        `${row.errors} (${row.timeouts})`,
        row.longestQueue,
      ]),
    ),
    '',
  ].join('\n'),
);
