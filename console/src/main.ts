// Process entry point: the console in a process of its own.
import { runService } from '@dronedelivery/service-kit';
import { service } from './service.ts';

await runService(service);
