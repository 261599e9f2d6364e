// Lists read newest first, a page at a time: a position is a time (epoch ms) and an id, so
// several entries can share a millisecond and every page boundary is still exact. The cursor
// a client gets back is the last position read, encoded; services that serve parts of one
// list (and the gateway, which merges them) share the encoding.
import { InvalidInput } from './failures.ts';

/** A place in a newest-first list: time (epoch ms), then id. */
export interface ListPosition {
  at: number;
  id: string;
}

export interface ListRange {
  /** Only positions after this one (the previous page's last). */
  after?: ListPosition | undefined;
  /** At or after (epoch ms). */
  from?: number | undefined;
  /** Before (epoch ms). */
  to?: number | undefined;
  count: number;
}

/** Whether `a` comes before `b` in time order (ties broken by id), as a sorted set orders members. */
export const isBefore = (a: ListPosition, b: ListPosition): boolean => a.at < b.at || (a.at === b.at && a.id < b.id);

export function encodeListCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url');
}

/** The position a cursor names; 400 for anything this encoding did not produce. */
export function decodeListCursor(cursor: string): ListPosition {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'number' && Number.isSafeInteger(at) && typeof id === 'string' && id.length > 0) return { at, id };
  } catch {
    // falls through to the refusal below
  }
  throw new InvalidInput('The cursor is not one this service gave out.', [{ path: 'querystring.cursor', message: 'is not a nextCursor' }]);
}

/** Whether `position` lies within the range's bounds (`after`, `from`, `to`). */
export function inRange(position: ListPosition, range: Omit<ListRange, 'count'>): boolean {
  return (
    (!range.after || isBefore(position, range.after)) &&
    (range.to === undefined || position.at < range.to) &&
    (range.from === undefined || position.at >= range.from)
  );
}

/**
 * Named lists of positions in memory, the embedded counterpart of Redis sorted sets: kept
 * oldest first (new entries usually append), read backwards from the newest allowed.
 */
export class PositionLists {
  private readonly lists = new Map<string, ListPosition[]>();

  add(list: string, position: ListPosition): void {
    const positions = this.lists.get(list) ?? [];
    this.lists.set(list, positions);
    if (positions.some((known) => known.id === position.id && known.at === position.at)) return;
    let index = positions.length;
    while (index > 0 && isBefore(position, positions[index - 1] as ListPosition)) index -= 1;
    positions.splice(index, 0, { ...position });
  }

  remove(list: string, id: string): void {
    const positions = this.lists.get(list);
    const index = positions?.findIndex((position) => position.id === id) ?? -1;
    if (index >= 0) positions?.splice(index, 1);
    if (positions?.length === 0) this.lists.delete(list);
  }

  /** Drops the positions older than `at` (epoch ms) from a list. */
  removeOlderThan(list: string, at: number): void {
    const positions = this.lists.get(list);
    if (!positions) return;
    const keep = positions.findIndex((position) => position.at >= at);
    positions.splice(0, keep < 0 ? positions.length : keep);
    if (positions.length === 0) this.lists.delete(list);
  }

  read(list: string, range: ListRange): ListPosition[] {
    const positions = this.lists.get(list) ?? [];
    const found: ListPosition[] = [];
    for (let i = this.indexAfter(positions, range) - 1; i >= 0 && found.length < range.count; i -= 1) {
      const position = positions[i] as ListPosition;
      if (range.from !== undefined && position.at < range.from) break;
      found.push({ ...position });
    }
    return found;
  }

  /** The index of the first position not allowed by the range's upper bounds (`after`, `to`). */
  private indexAfter(positions: ListPosition[], range: ListRange): number {
    let low = 0;
    let high = positions.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const position = positions[middle] as ListPosition;
      const allowed = (!range.after || isBefore(position, range.after)) && (range.to === undefined || position.at < range.to);
      if (allowed) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
