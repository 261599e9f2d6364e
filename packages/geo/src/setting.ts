// The service area as a configuration variable: "south,west,north,east" in degrees.
import { z } from 'zod';
import { parseServiceArea, SEATTLE } from './service-area.ts';

export const serviceAreaSetting = z
  .string()
  .transform((text, context) => {
    try {
      return parseServiceArea(text);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  })
  .default(SEATTLE);
