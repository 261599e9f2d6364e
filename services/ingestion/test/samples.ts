// Requests shared by the ingestion tests.

/** The sample request from the original application's documentation, byte for byte. */
export const ORIGINAL_SAMPLE =
  '{"confirmationRequired":"None","deadline":"","dropOffLocation":"drop off","expedited":true,"ownerId":"myowner","packageInfo":{"packageId":"mypackage","size":"Small","tag":"mytag","weight":10},"pickupLocation":"my pickup","pickupTime":"2019-05-08T20:00:00.000Z"}';
