// Requests shared by the ingestion tests.
import { ORIGINAL_SAMPLE_JSON } from '@dronedelivery/contracts';

/** The sample request from the original application's documentation, byte for byte. */
export const ORIGINAL_SAMPLE = ORIGINAL_SAMPLE_JSON;
