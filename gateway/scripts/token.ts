// Prints a signed development token:  pnpm token --owner myowner --role customer
// Needs the local HS256 secret (JWT_SECRET) and refuses to run with NODE_ENV=production.
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';

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
const token = await new SignJWT({ roles, ...(values.owner ? { owner_id: values.owner } : {}) })
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .setSubject(values.subject ?? `dev-${values.owner ?? roles.join('-')}`)
  .setIssuer(process.env.JWT_ISSUER ?? 'https://dronedelivery.local/')
  .setAudience(process.env.JWT_AUDIENCE ?? 'api://dronedelivery')
  .setIssuedAt()
  .setExpirationTime(`${Number(values.hours)}h`)
  .sign(new TextEncoder().encode(secret));
process.stdout.write(`${token}\n`);
