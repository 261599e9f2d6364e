// Malformed and boundary requests for every public endpoint of the gateway, generated with
// fast-check: hostile path parameters and query strings, bodies that are not JSON, JSON of
// the wrong shape, and valid delivery requests with one field replaced by something else.
import { gatewayRoutes, pathOf, type Route } from '@dronedelivery/contracts';
import fc from 'fast-check';

export interface FuzzRequest {
  method: string;
  path: string;
  body?: string;
  contentType?: string;
  role: 'customer' | 'operator' | 'drone';
}

const nasty = fc.constantFrom(
  '',
  '..',
  '../../etc/passwd',
  '%00',
  '%2e%2e%2f',
  'a'.repeat(300),
  '<script>alert(1)</script>',
  "' OR '1'='1",
  '{"$gt":""}',
  'ünïcødé-✓',
  '\u0000',
  '-1',
  '1e309',
  'NaN',
  'null',
  '__proto__',
  'constructor',
);
const identifier = fc.oneof(nasty, fc.string({ maxLength: 80 }), fc.uuid(), fc.stringMatching(/^[a-z0-9-]{1,40}$/));
/** A path segment: usually encoded as a client library would, sometimes raw. */
const segment = fc.oneof(
  { weight: 4, arbitrary: identifier.map((id) => encodeURIComponent(id) || '%20') },
  { weight: 1, arbitrary: fc.constantFrom('..', '.', '%2e', '%ZZ', '%', ';x', 'a%2Fb') },
);
const scalar = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(-1, 0, 2 ** 53, -(2 ** 53), 1e308, 'NaN', 'Infinity', '2019-02-30T25:61:00Z', '9999-12-31T23:59:59.999Z'),
);
const query = fc
  .dictionary(
    fc.oneof(fc.constantFrom('ownerId', 'year', 'month', 'limit', 'from', 'to', '__proto__'), fc.string({ maxLength: 10 })),
    scalar.map(String),
    { maxKeys: 4 },
  )
  .map((entries) => {
    const search = new URLSearchParams(entries).toString();
    return search ? `?${search}` : '';
  });

const SAMPLE = {
  confirmationRequired: 'None',
  deadline: '',
  dropOffLocation: 'drop off',
  expedited: true,
  ownerId: 'fuzz-owner',
  packageInfo: { packageId: 'fuzz-package', size: 'Small', tag: 'fuzz', weight: 2 },
  pickupLocation: 'my pickup',
  pickupTime: '2030-05-08T20:00:00.000Z',
};

/** A valid request with one field dropped or replaced, at the top or inside packageInfo. */
const mutatedSample = fc
  .tuple(
    fc.constantFrom(...Object.keys(SAMPLE), ...Object.keys(SAMPLE.packageInfo).map((key) => `packageInfo.${key}`), 'extra'),
    fc.oneof(fc.constant(undefined), scalar, fc.jsonValue({ maxDepth: 3 })),
  )
  .map(([field, value]) => {
    const copy = structuredClone(SAMPLE) as Record<string, unknown>;
    const [outer, inner] = field.split('.') as [string, string | undefined];
    const holder = inner ? (copy[outer] as Record<string, unknown>) : copy;
    const key = inner ?? outer;
    if (value === undefined) delete holder[key];
    else holder[key] = value;
    return JSON.stringify(copy);
  });

const body = fc.oneof(
  { weight: 4, arbitrary: mutatedSample },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '{',
      '[]',
      'null',
      '{"a":',
      '\u0000',
      '{"__proto__":{"admin":true}}',
      '{"constructor":{"prototype":{"x":1}}}',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)) },
);
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'text/plain',
      'application/xml',
      'application/x-www-form-urlencoded',
      'application/json; charset=utf-16',
      'multipart/form-data; boundary=x',
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const role = fc.constantFrom('customer' as const, 'operator' as const, 'drone' as const);

/** A public route's path with a fuzzed segment sent as it is (not encoded). */
const raw = (route: Route, params: Record<string, string>) => pathOf(route, params, (value) => value);
const r = gatewayRoutes;

/** Every public endpoint, with what it takes. */
const endpoints: fc.Arbitrary<FuzzRequest>[] = [
  fc.record({ method: fc.constant('POST'), path: query.map((q) => `${r.requestDelivery.url}${q}`), body, contentType, role }),
  fc.record({
    method: fc.constant('PATCH'),
    path: segment.map((deliveryId) => raw(r.rescheduleDelivery, { deliveryId })),
    body,
    contentType,
    role,
  }),
  fc.record({ method: fc.constant('DELETE'), path: segment.map((deliveryId) => raw(r.cancelDelivery, { deliveryId })), role }),
  fc.record({ method: fc.constant('GET'), path: query.map((q) => `${r.deliverySummary.url}${q}`), role }),
  fc.record({
    method: fc.constant('GET'),
    path: fc
      .tuple(segment, fc.constantFrom(r.delivery, r.deliveryStatus, r.deliveryEvents, r.deliveryDetails))
      .map(([id, route]) => raw(route, { id })),
    role,
  }),
  fc.record({
    method: fc.constant('POST'),
    path: fc.tuple(segment, fc.constantFrom(r.confirmDelivery, r.notifyMe)).map(([id, route]) => raw(route, { id })),
    body,
    contentType,
    role,
  }),
  fc.record({
    method: fc.constant('GET'),
    path: fc.tuple(segment, query).map(([ownerId, q]) => `${raw(r.packageSummary, { ownerId })}${q}`),
    role,
  }),
  fc.record({ method: fc.constant('GET'), path: segment.map((id) => raw(r.package, { id })), role }),
  fc.record({ method: fc.constant('GET'), path: query.map((q) => `${r.utilization.url}${q}`), role }),
  fc.record({
    method: fc.constant('GET'),
    path: fc.tuple(segment, query).map(([ownerId, q]) => `${raw(r.invoice, { ownerId })}${q}`),
    role,
  }),
  // The fleet, drone faults and the operators' routes.
  fc.record({ method: fc.constant('GET'), path: query.map((q) => `${r.fleet.url}${q}`), role }),
  fc.record({
    method: fc.constant('POST'),
    path: fc.tuple(segment, fc.constantFrom(r.reportFault, r.repairDrone)).map(([droneId, route]) => raw(route, { droneId })),
    body,
    contentType,
    role,
  }),
  fc.record({
    method: fc.constant('GET'),
    path: fc.tuple(fc.constantFrom(r.overview.url, r.deadLetters.url), query).map(([url, q]) => `${url}${q}`),
    role,
  }),
  fc.record({ method: fc.constant('POST'), path: fc.constant(r.redrive.url), body, contentType, role }),
  // Event streams: the client reads the answer's head and hangs up.
  fc.record({ method: fc.constant('GET'), path: segment.map((id) => raw(r.deliveryUpdates, { id })), role }),
  fc.record({ method: fc.constant('GET'), path: query.map((q) => `${r.fleetUpdates.url}${q}`), role }),
];

export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(...endpoints);

export function fuzzRequests(count: number, seed: number): FuzzRequest[] {
  return fc.sample(fuzzRequest, { numRuns: count, seed });
}
