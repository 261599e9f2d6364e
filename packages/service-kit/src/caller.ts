// Who a request is for, as the gateway vouches for it: the gateway verifies the bearer token
// and passes the identity on in these headers (never forwarding a client's own). Services
// that serve owner-scoped data check it again, as defence in depth.
import type { IncomingHttpHeaders } from 'node:http';
import { Forbidden } from './failures.ts';

export { Forbidden };

export type Role = 'customer' | 'operator' | 'drone';
export const ROLES: readonly Role[] = ['customer', 'operator', 'drone'];

export interface Caller {
  subject: string;
  roles: ReadonlySet<Role>;
  /** Customers act for one owner. */
  ownerId: string | undefined;
}

const HEADERS = { subject: 'x-caller-subject', roles: 'x-caller-roles', ownerId: 'x-caller-owner-id' } as const;

/** The verified identity as services receive it. */
export function identityHeaders(caller: Caller): Record<string, string> {
  return {
    [HEADERS.subject]: caller.subject,
    [HEADERS.roles]: [...caller.roles].join(','),
    ...(caller.ownerId ? { [HEADERS.ownerId]: caller.ownerId } : {}),
  };
}

/**
 * The caller the gateway forwarded, or undefined for a call between services (the workflow
 * reading a delivery carries no caller: it acts for the system).
 */
export function forwardedCaller(headers: IncomingHttpHeaders): Caller | undefined {
  const subject = headers[HEADERS.subject];
  if (typeof subject !== 'string') return undefined;
  const claimed = String(headers[HEADERS.roles] ?? '').split(',');
  const ownerId = headers[HEADERS.ownerId];
  return {
    subject,
    roles: new Set(ROLES.filter((role) => claimed.includes(role))),
    ownerId: typeof ownerId === 'string' ? ownerId : undefined,
  };
}

export function isOperator(caller: Caller): boolean {
  return caller.roles.has('operator');
}

/** Whether the caller may see data of `ownerId`: operators always, customers their own. */
export function canSeeOwner(caller: Caller, ownerId: string): boolean {
  return isOperator(caller) || (caller.roles.has('customer') && caller.ownerId === ownerId);
}

/** For a service: may this request (a forwarded caller, or another service) see `ownerId`'s data? */
export function mayAccess(caller: Caller | undefined, ownerId: string): boolean {
  return caller === undefined || canSeeOwner(caller, ownerId);
}

/** A customer may only act for its own owner id; operators for any. */
export function requireOwner(caller: Caller, ownerId: string): void {
  if (!canSeeOwner(caller, ownerId)) throw new Forbidden(`This token may not act for owner ${ownerId}.`);
}

export function requireRole(caller: Caller, ...roles: Role[]): void {
  if (!roles.some((role) => caller.roles.has(role))) throw new Forbidden(`This needs one of the roles: ${roles.join(', ')}.`);
}
