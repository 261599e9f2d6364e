// A location as typed in the form: "47.61, -122.33" is a coordinate, anything else a label
// (an address) that the system places in the service area.
import type { Location } from '@dronedelivery/contracts';

export function parseLocation(text: string): Location {
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*[,;\s]\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text);
  return match ? { latitude: Number(match[1]), longitude: Number(match[2]) } : text.trim();
}
