// Where a running embedded system (`npm start`) keeps the HS256 secret it generated, so that
// `npm run token` can sign with it without the secret ever being printed: a file under
// .tools/ (ignored by git), readable by its owner only, removed when the system stops.
import { fileURLToPath } from 'node:url';

export const DEV_SECRET_FILE = fileURLToPath(new URL('../../.tools/dev-jwt-secret', import.meta.url));
