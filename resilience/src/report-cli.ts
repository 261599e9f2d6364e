// Writes docs/reliability.md from the rows the fault suite recorded.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { distinct, notes, readRows, table } from './results.ts';

const rows = readRows();
const lost = rows.reduce((sum, row) => sum + row.lost, 0);
const newest =
  rows
    .map((row) => row.recordedAt)
    .sort()
    .at(-1) ?? 'never';
const list = (values: string[]) => values.join('; ') || 'not recorded';
const scenarioNotes = notes(rows);
const text = `# Reliability

What \`pnpm test:resilience\` measured (last run ${newest}). Each scenario starts the real
system on loopback — every service a process of its own (the dronescheduler two, sharing one
Cosmos DB store), each behind a balancer that follows readiness as a Kubernetes Service does,
the queue on Redis with AOF (\`appendfsync everysec\`), deliveries on Redis, packages on the
MongoDB-protocol server, the drone fleet and its bookings on a Cosmos DB for NoSQL server —
drives delivery requests through the gateway, injects the fault, heals it, and then
reconciles every \`202\` the client received against the services' state.

- **accepted**: distinct deliveryIds answered \`202\`;
- **completed**: of those, deliveries the delivery service holds a record of: scheduled, or
  saying why not (waiting for a drone, rejected);
- **dead-lettered**: of those, messages in the workflow's dead-letter queue with their reason;
- **lost**: accepted but neither, when the suite stopped waiting (must be 0; a scenario
  with a loss fails the suite). The suite waits as long as requests keep settling or
  messages keep using attempts, and stops after a minute without either; then it says
  where each unsettled message is in the queue;
- **client errors**: requests that never got a \`202\` although the client retried them
  with the same Idempotency-Key; in brackets, answers other than \`202\` that it retried;
- **recovery**: from the end of the fault (restart or heal) until a request sent then had
  become a delivery;
- **all settled after**: from the end of the load until every accepted request was a
  delivery or a dead letter: how long the backlog took to drain.

${table(rows)}

Lost across all scenarios: **${lost}**.
${scenarioNotes ? `\n${scenarioNotes}\n` : ''}
## Configuration

- **Replicas**: one of each service and two of the dronescheduler, unless the scenario says
  otherwise (the rolling restart runs two of each).
- **Stores**: ${list(distinct(rows, 'stores'))}.
  Each scenario has databases of its own (in Cosmos DB, removed after it) and Redis servers
  of its own. The fleet is 200 drones (\`FLEET_JSON\`), which every dronescheduler replica
  seeds into Cosmos DB at start-up; the double-booking scenario has 10.
- **Machine**: ${list(distinct(rows, 'machine'))}; the suite's processes share it with
  whatever else runs there.
- **Test settings that differ from production**, to keep the suite short: the workflow's
  queue lock is 5 s (production 30 s), so a killed consumer's messages are taken over
  sooner; every service's shutdown delay is 1 s.
- **The Cosmos DB server** is \`@vercel/cosmosdb-server\` unless \`COSMOS_ENDPOINT\` names
  another: the Cosmos DB REST API in memory, in one process, so every read sees the latest
  write, and nothing is throttled. What that leaves unexercised (request units and 429s, Session
  consistency between replicas, partition splits) is listed in
  [the dronescheduler's README](../services/dronescheduler/README.md#the-cosmos-db-stand-in).

**Reading the recovery column.** Recovery is what a customer sees, so it includes more
than the restart: messages that failed during the fault wait out their retry backoff
(1, 2, 4, 8, 16 s…) or, while a circuit is open, are delayed until it half-opens (10 s);
a restarted Redis is found again on the clients' reconnect backoff; and the backlog built
up during the fault is worked off first, on a 2-core machine that is also running up to
thirteen service processes (a rolling update's extra replica included), two Redis servers,
FerretDB, the Cosmos DB server and the load. No request failed for the customer meanwhile:
they were accepted, and completed late.

**Reading the rolling restart.** Nothing is lost, but the backlog drains in minutes, not
seconds, and the probe request sent after the last replica was replaced can queue behind it
("never" within its 120 s). The trigger is the test's MongoDB stand-in: FerretDB v1 on
SQLite uses its \`_id\` lookup only when a filter has that one key, and the package store
writes with \`{_id, ownerId}\` (the shard key, which Cosmos DB for MongoDB routes on), so every
upsert scans the collection and slows as packages pile up (5.7 upserts/s at 2,000 packages
against 90 on an empty one). The workflow's 2 s timeout then opens the package circuit. With
the package scan removed from FerretDB as an experiment, the same run settled 2.6 s after the
load. Messages put off by an open circuit come back spread over one to two times its pause
(they used to come back all at once, which re-opened it at once). Six runs in a row on
2 cores, with the dronescheduler then in memory, 1,801 accepted and 1,801 completed each
time: settled 108, 146, 151, 290 and 458 s after the load (the last with the whole unit
suite running beside it), and 758 s with a busy loop on both cores beside it; before the
spread, 439 to 1,441 s.

**Reading the double-booking scenario.** 100 requests are sent at once for five pickup times
two hours apart, twenty for each; a flight (base, pickup, dropoff, base) takes about half an
hour, so each of the 10 drones can fly one delivery per pickup time, and the twenty requests
of one time contend for the same drones in the same order of preference, through two
dronescheduler replicas that book compare-and-set (\`If-Match\` on the drone's ETag) in one
Cosmos DB store. At most ten per pickup time can be scheduled (the note under the table
gives the run's figures); the others are accepted and wait for a drone (\`Requested\`,
\`waiting-for-drone\`: the workflow tries again when one is expected back, and rejects the
request with \`no-drone-available\` after six hours). The verdict is taken from the stores,
not from the answers: the bookings are read straight from the Cosmos DB containers (every
drone's reservations and every delivery's assignment record) next to the delivery records,
and the scenario fails if two flights overlap on one drone, a scheduled delivery's drone does
not hold its booking, a request waits while a drone is free at its pickup time, or a request
is in none of those states. With the \`If-Match\` condition taken off the booking write, the
same scenario fails: in two runs 58 requests were scheduled where the fleet can fly 50, with
9 and 8 pairs of overlapping flights on one drone, and 8 scheduled deliveries whose drone no
longer held their booking (a later write had replaced it).

The client behaves as the API asks clients to: a request that gets no answer or a \`5xx\`
is retried with the same \`Idempotency-Key\` (so a retry can never create a second
delivery), backing off to 2 s and never sooner than a \`Retry-After\` asks, for up to 60 s;
a request still not accepted then counts as a client error.
`;
writeFileSync(fileURLToPath(new URL('../../docs/reliability.md', import.meta.url)), text);
console.log(`docs/reliability.md: ${rows.length} scenarios, ${lost} lost`);
