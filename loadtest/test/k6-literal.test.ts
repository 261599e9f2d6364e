import { describe, expect, it } from 'vitest';
import { literal } from '../src/k6/literal.ts';

describe('literal', () => {
  it('writes plain values as source, in single quotes unless the text holds one', () => {
    expect(literal({ a: 1, b: true, c: null, d: 'x' })).toBe("{ a: 1, b: true, c: null, d: 'x' }");
    expect(literal("it's")).toBe('"it\'s"');
    expect(literal('a\'b"c\\')).toBe("'a\\'b\"c\\\\'");
    expect(literal({ 'content-type': 'json', ok: 1 })).toBe("{ 'content-type': 'json', ok: 1 }");
  });

  it('leaves out undefined fields', () => {
    expect(literal({ a: 1, b: undefined })).toBe('{ a: 1 }');
  });

  it('puts an object holding objects one field per line, and a plain one on a line when it fits', () => {
    expect(literal({ outer: { inner: 1 } })).toBe('{\n  outer: { inner: 1 },\n}');
    const long = { text: 'x'.repeat(140) };
    expect(literal(long)).toBe(`{\n  text: '${'x'.repeat(140)}',\n}`);
  });

  it('breaks an array of several objects of several fields, as Biome does, and keeps one such object on a line', () => {
    expect(literal([{ rate: 20, seconds: 30 }])).toBe('[{ rate: 20, seconds: 30 }]');
    expect(literal([{ a: 1 }, { a: 2 }])).toBe('[{ a: 1 }, { a: 2 }]');
    expect(
      literal(
        [
          { rate: 1, seconds: 2 },
          { rate: 3, seconds: 4 },
        ],
        2,
        10,
      ),
    ).toBe('[\n    { rate: 1, seconds: 2 },\n    { rate: 3, seconds: 4 },\n  ]');
  });
});
