// The console's configuration as a test gives it: the schema's defaults plus what it sets.
import { loadConfig } from '@dronedelivery/service-kit';
import { type Config, configSchema } from '../src/config.ts';

export const loadConsoleConfig = (env: Record<string, string> = {}): Config =>
  loadConfig('console', configSchema, { LOG_LEVEL: 'silent', SHUTDOWN_DELAY_MS: '0', ...env });
