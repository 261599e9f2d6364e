// Prints a signed development token:  pnpm token --owner myowner --role customer
// Signs with JWT_SECRET, or with the secret a running `npm start` generated (never printed);
// refuses to run with NODE_ENV=production.
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEV_SECRET_FILE } from './dev-secret.ts';
import { devToken } from './dev-token.ts';

const { values } = parseArgs({
  options: {
    owner: { type: 'string' },
    role: { type: 'string', multiple: true, default: ['customer'] },
    subject: { type: 'string' },
    hours: { type: 'string', default: '12' },
  },
});
if (process.env.NODE_ENV === 'production') {
  process.stderr.write('Development tokens are not issued in production.\n');
  process.exit(1);
}
// JWT_SECRET when set; otherwise the secret a running `npm start` generated.
const secret = process.env.JWT_SECRET ?? (existsSync(DEV_SECRET_FILE) ? readFileSync(DEV_SECRET_FILE, 'utf8').trim() : undefined);
if (!secret || secret.length < 32) {
  process.stderr.write(
    'Start the system (npm start), or set JWT_SECRET (at least 32 characters) to the secret the gateway verifies with.\n',
  );
  process.exit(1);
}
const roles = values.role ?? ['customer'];
if (roles.includes('customer') && !values.owner) {
  process.stderr.write('A customer token needs --owner <ownerId>.\n');
  process.exit(1);
}
const token = await devToken({
  secret,
  roles,
  ...(values.owner ? { ownerId: values.owner } : {}),
  ...(values.subject ? { subject: values.subject } : {}),
  ...(process.env.JWT_ISSUER ? { issuer: process.env.JWT_ISSUER } : {}),
  ...(process.env.JWT_AUDIENCE ? { audience: process.env.JWT_AUDIENCE } : {}),
  expiresIn: `${Number(values.hours)}h`,
});
process.stdout.write(`${token}\n`);
