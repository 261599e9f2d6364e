// Prints a signed development token:  pnpm token --owner myowner --role customer
// Needs the local HS256 secret (JWT_SECRET) and refuses to run with NODE_ENV=production.
import { parseArgs } from 'node:util';
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
const secret = process.env.JWT_SECRET;
if (!secret || secret.length < 32) {
  process.stderr.write('Set JWT_SECRET (at least 32 characters) to the secret the gateway verifies with.\n');
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
