// docs/api.md and the services' READMEs against the code: every operation a service's
// OpenAPI document (GET /openapi.json, generated from its routes) has is documented under
// that service, and every route the documentation names exists. A route is named as code,
// `METHOD /path/{param}` (a query string may follow), in the prose or the tables.
import { beforeAll, describe, expect, it } from 'vitest';
import { codeSpans, headings, markdownFiles, proseLines, read, slug } from './markdown.ts';
import { consoleOperations, type Operations, type ServiceName, serviceOperations } from './openapi.ts';

const METHOD = /^(GET|PUT|POST|PATCH|DELETE|HEAD|OPTIONS|TRACE)\s+\//;
const ROUTE = /^(GET|PUT|POST|PATCH|DELETE|HEAD|OPTIONS|TRACE) (\/[A-Za-z0-9._~{}/-]*)(\?\S*)?$/;

interface Mention {
  route: string;
  line: number;
}

/** Routes named in code spans, each with the heading it is under. */
function mentions(markdown: string): { found: (Mention & { under: string[] })[]; malformed: string[] } {
  const found: (Mention & { under: string[] })[] = [];
  const malformed: string[] = [];
  const chain: { level: number; anchor: string }[] = [];
  const byLine = new Map(headings(markdown).map((heading) => [heading.line, heading]));
  for (const { number, text } of proseLines(markdown)) {
    const heading = byLine.get(number);
    if (heading) {
      while (chain.length > 0 && (chain.at(-1)?.level ?? 0) >= heading.level) chain.pop();
      chain.push({ level: heading.level, anchor: heading.anchor });
      continue;
    }
    for (const span of codeSpans(text)) {
      if (!METHOD.test(span)) continue;
      const match = ROUTE.exec(span);
      if (!match) malformed.push(`line ${number}: \`${span}\` is not \`METHOD /path\` (with {param} names as in the OpenAPI document)`);
      else found.push({ route: `${match[1]} ${match[2]}`, line: number, under: chain.map((entry) => entry.anchor) });
    }
  }
  return { found, malformed };
}

/** docs/api.md's section for each service's document. */
const API_SECTIONS: Record<ServiceName, string> = {
  gateway: slug('The public API (through the gateway)'),
  ingestion: slug('Ingestion'),
  delivery: slug('Delivery'),
  package: slug('Package'),
  dronescheduler: slug('Dronescheduler'),
  workflow: slug('Workflow'),
};

const READMES: Record<ServiceName, string> = {
  gateway: 'gateway/README.md',
  ingestion: 'services/ingestion/README.md',
  delivery: 'services/delivery/README.md',
  package: 'services/package/README.md',
  dronescheduler: 'services/dronescheduler/README.md',
  workflow: 'services/workflow/README.md',
};

const SERVICES = Object.keys(API_SECTIONS) as ServiceName[];

let operations: Operations;
let everywhere: Set<string>;

beforeAll(async () => {
  operations = await serviceOperations();
  everywhere = new Set([...Object.values(operations).flat(), ...(await consoleOperations())]);
}, 60_000);

describe('the services’ OpenAPI documents', () => {
  it('have operations to compare with', () => {
    for (const service of SERVICES) expect(operations[service].length, service).toBeGreaterThan(0);
  });
});

describe('docs/api.md', () => {
  const { found, malformed } = mentions(read('docs/api.md'));
  const sectionOf = (mention: { under: string[] }) =>
    SERVICES.find((service) => mention.under.includes(API_SECTIONS[service])) as ServiceName | undefined;

  it('names routes as `METHOD /path`', () => {
    expect(malformed).toEqual([]);
  });

  it('has a section for each service', () => {
    const anchors = headings(read('docs/api.md')).map((heading) => heading.anchor);
    for (const service of SERVICES) expect(anchors, service).toContain(API_SECTIONS[service]);
  });

  for (const service of SERVICES) {
    it(`documents every operation of the ${service}'s document in its section`, () => {
      const documented = new Set(found.filter((mention) => sectionOf(mention) === service).map((mention) => mention.route));
      const missing = operations[service].filter((operation) => !documented.has(operation));
      expect(missing, `in docs/api.md#${API_SECTIONS[service]}`).toEqual([]);
    });

    it(`names in the ${service}'s section only routes the ${service} serves`, () => {
      const served = new Set(operations[service]);
      const unknown = found
        .filter((mention) => sectionOf(mention) === service && !served.has(mention.route))
        .map((mention) => `line ${mention.line}: ${mention.route}`);
      expect(unknown).toEqual([]);
    });
  }

  it('names elsewhere only routes some service serves', () => {
    const unknown = found
      .filter((mention) => sectionOf(mention) === undefined && !everywhere.has(mention.route))
      .map((mention) => `line ${mention.line}: ${mention.route}`);
    expect(unknown).toEqual([]);
  });
});

describe('each service’s README', () => {
  for (const service of SERVICES) {
    it(`${READMES[service]} lists exactly the routes the ${service} serves`, () => {
      const { found, malformed } = mentions(read(READMES[service]));
      expect(malformed).toEqual([]);
      const listed = new Set(found.map((mention) => mention.route));
      expect(
        operations[service].filter((operation) => !listed.has(operation)),
        'served, not listed',
      ).toEqual([]);
      expect(
        [...listed].filter((route) => !operations[service].includes(route)),
        'listed, not served',
      ).toEqual([]);
    });
  }
});

describe('every Markdown file', () => {
  it('names only routes that exist', () => {
    const problems = markdownFiles().flatMap((file) => {
      const { found, malformed } = mentions(read(file));
      return [
        ...malformed.map((problem) => `${file} ${problem}`),
        ...found.filter((mention) => !everywhere.has(mention.route)).map((mention) => `${file}:${mention.line}: ${mention.route}`),
      ];
    });
    expect(problems).toEqual([]);
  });
});
