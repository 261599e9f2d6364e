// The system's units, once: every other list (the embedded start, the test fleets, the
// charts and their values schemas, docker compose, the CI triggers) is derived from this one
// or checked against it. Adding a service is a folder with a manifest (src/service.ts) and
// one line here.
import { service as console } from '@dronedelivery/console';
import { service as delivery } from '@dronedelivery/delivery';
import { service as dronescheduler } from '@dronedelivery/dronescheduler';
import { service as gateway } from '@dronedelivery/gateway';
import { service as ingestion } from '@dronedelivery/ingestion';
import { service as packageService } from '@dronedelivery/package';
import type { ServiceManifest } from '@dronedelivery/service-kit';
import { service as simulator } from '@dronedelivery/simulator';
import { service as workflow } from '@dronedelivery/workflow';

/**
 * In start order: a unit starts after the units it calls, so the gateway comes after the
 * services, and the two units that only call the gateway (the web console and the drone-fleet
 * simulator) come last.
 */
export const UNITS = [packageService, delivery, dronescheduler, ingestion, workflow, gateway, console, simulator] as const;

export type UnitName = (typeof UNITS)[number]['name'];
export type Unit = ServiceManifest & { name: UnitName };

export const UNIT_NAMES = UNITS.map((unit) => unit.name) as UnitName[];

export function unitNamed(name: string): Unit {
  const found = UNITS.find((unit) => unit.name === name);
  if (!found) throw new Error(`no unit "${name}"; one of ${UNIT_NAMES.join(', ')}`);
  return found as unknown as Unit;
}

/** The variable through which other units find this one (`DELIVERY_URL`). */
export const urlVariable = (name: UnitName): string => `${name.toUpperCase()}_URL`;

/** The default ports, by unit. */
export const DEFAULT_PORTS = Object.fromEntries(UNITS.map((unit) => [unit.name, unit.defaultPort])) as Record<UnitName, number>;
