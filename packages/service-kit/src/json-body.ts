// JSON request bodies, decoded strictly: bytes that are not UTF-8 get 400 instead of being
// turned silently into U+FFFD, then Fastify's own parser runs (prototype-poisoning checks).
import type { FastifyInstance } from 'fastify';
import { HttpProblem, problemType } from './problems.ts';

/** Replaces Fastify's `application/json` parser on `app` (the root instance). */
export function installJsonBodyParser(app: FastifyInstance): void {
  // Fastify's parser is secure-json-parse: a `__proto__` or `constructor.prototype` key is refused.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(new HttpProblem(400, 'The request body is not valid UTF-8.', { type: problemType('invalid-utf-8') }), undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
