// Seeded pseudo-random numbers, so that a simulation run can be repeated: a small generator
// (mulberry32) and the derivation of an independent stream from the seed and a name.

/** Uniform numbers in [0, 1); the same seed gives the same sequence. */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A stream of its own for `name` (a delivery id, "traffic"): a decision about one flight then
 * depends only on the seed and that flight, not on the order in which flights were seen, and a
 * restarted simulator decides the same again.
 */
export function streamFor(seed: number, name: string): Random {
  // FNV-1a over the name, started from the seed.
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i += 1) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return seededRandom(hash);
}

/** A uniform number in [low, high). */
export const between = (random: Random, low: number, high: number): number => low + random() * (high - low);

/** One of `choices`, each with its weight. */
export function weighted<T>(random: Random, choices: readonly (readonly [T, number])[]): T {
  const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
  let left = random() * total;
  for (const [choice, weight] of choices) {
    left -= weight;
    if (left < 0) return choice;
  }
  return (choices.at(-1) as readonly [T, number])[0];
}
