// A JSON-like value as TypeScript source, laid out as the repository's formatter (Biome, 2-space
// indent, 140 columns, single quotes, trailing commas) lays it out, so a generated file passes
// `pnpm lint` as written: an object of plain values or an array of plain values on one line
// when it fits, anything else one entry per line (an array of several objects of several keys
// always broken, as Biome does).

export type Literal = string | number | boolean | null | readonly Literal[] | { readonly [key: string]: Literal | undefined };

const LINE_WIDTH = 140;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function quoted(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(/[\\\n\r\t]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] ?? c);
  return `${quote}${escaped.replaceAll(quote, `\\${quote}`)}${quote}`;
}

const key = (name: string) => (IDENTIFIER.test(name) ? name : quoted(name));

const entries = (value: { readonly [key: string]: Literal | undefined }) =>
  Object.entries(value).filter((entry): entry is [string, Literal] => entry[1] !== undefined);

const isObject = (value: Literal): value is { readonly [key: string]: Literal | undefined } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The value on one line, when it may stand on one: plain values, an object of them, an array of those. */
function inline(value: Literal): string | undefined {
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? quoted(value) : String(value);
  if (Array.isArray(value)) {
    const several = value.length > 1 && value.every((item) => isObject(item) && entries(item).length > 1);
    const items = value.map((item) => (Array.isArray(item) ? undefined : inline(item)));
    return several || items.some((item) => item === undefined) ? undefined : `[${items.join(', ')}]`;
  }
  const fields = entries(value as { readonly [key: string]: Literal });
  if (fields.length === 0) return '{}';
  if (fields.some(([, field]) => typeof field === 'object' && field !== null)) return undefined;
  return `{ ${fields.map(([name, field]) => `${key(name)}: ${inline(field)}`).join(', ')} }`;
}

/**
 * `value` as source starting at column `column` of a line indented `indent` spaces, followed by
 * `trailing` characters on its last line (a `,` or `;`).
 */
export function literal(value: Literal, indent = 0, column = indent, trailing = 1): string {
  const flat = inline(value);
  if (flat !== undefined && column + flat.length + trailing <= LINE_WIDTH) return flat;
  const inner = ' '.repeat(indent + 2);
  if (Array.isArray(value)) {
    const items = value.map((item) => `${inner}${literal(item, indent + 2, indent + 2)},`);
    return items.length === 0 ? '[]' : `[\n${items.join('\n')}\n${' '.repeat(indent)}]`;
  }
  if (!isObject(value)) return flat ?? String(value);
  const fields = entries(value).map(([name, field]) => {
    const lead = `${inner}${key(name)}: `;
    return `${lead}${literal(field, indent + 2, lead.length)},`;
  });
  return `{\n${fields.join('\n')}\n${' '.repeat(indent)}}`;
}
