// Reads one Prometheus sample from a service's /metrics, e.g. the workflow's circuit state.
export async function metricValue(baseUrl: string, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const text = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })
    .then((response) => response.text())
    .catch(() => '');
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text
    .split('\n')
    .find((candidate) =>
      candidate.startsWith(`${name}{`) || candidate.startsWith(`${name} `) ? wanted.every((label) => candidate.includes(label)) : false,
    );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}
