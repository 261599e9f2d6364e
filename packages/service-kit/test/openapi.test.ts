// The generated OpenAPI document says what the server does: errors are problem+json, and
// operations carry the security requirement their routes declare.
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServer } from '../src/server.ts';
import { capturingLogger, testConfig } from '../src/testing.ts';

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, unknown> }>;
}
interface Document {
  components?: { securitySchemes?: Record<string, unknown> };
  paths: Record<string, Record<string, Operation>>;
}

const problem = z.object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string() });

async function documentOf(options: Parameters<typeof createServer>[0]['openApi']): Promise<Document> {
  const app = await createServer({
    name: 'doc',
    version: '1',
    logger: capturingLogger().log,
    config: testConfig(),
    ...(options ? { openApi: options } : {}),
  });
  app.get(
    '/api/things/:id',
    {
      schema: {
        params: z.object({ id: z.string() }),
        response: { 200: z.object({ id: z.string() }), 404: problem, 503: problem },
        ...(options?.securitySchemes ? { security: [{ bearerAuth: [] }] } : {}),
      },
    },
    async (request) => ({ id: request.params.id }),
  );
  app.get('/public/ping', { schema: { response: { 200: z.object({ ok: z.boolean() }), '4XX': problem } } }, async () => ({ ok: true }));
  try {
    return (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Document;
  } finally {
    await app.close();
  }
}

describe('the OpenAPI document', () => {
  let plain: Document;
  let secured: Document;
  beforeAll(async () => {
    plain = await documentOf(undefined);
    secured = await documentOf({
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    });
  });

  it('documents every error status as application/problem+json, and successes as application/json', () => {
    for (const document of [plain, secured]) {
      const thing = document.paths['/api/things/{id}']?.get;
      expect(Object.keys(thing?.responses['200']?.content ?? {})).toEqual(['application/json']);
      expect(Object.keys(thing?.responses['404']?.content ?? {})).toEqual(['application/problem+json']);
      expect(Object.keys(thing?.responses['503']?.content ?? {})).toEqual(['application/problem+json']);
      expect(JSON.stringify(thing?.responses['404']?.content?.['application/problem+json'])).toContain('"detail"');
      const ping = document.paths['/public/ping']?.get;
      expect(Object.keys(ping?.responses['4XX']?.content ?? {})).toEqual(['application/problem+json']);
    }
  });

  it('declares the security schemes a service gives, and requires them where it says', () => {
    expect(secured.components?.securitySchemes).toEqual({ bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } });
    expect(secured.paths['/api/things/{id}']?.get?.security).toEqual([{ bearerAuth: [] }]);
    expect(secured.paths['/public/ping']?.get?.security).toBeUndefined();
    expect(plain.components?.securitySchemes).toBeUndefined();
    expect(plain.paths['/api/things/{id}']?.get?.security).toBeUndefined();
  });
});
