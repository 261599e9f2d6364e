// The sample request of the original application's documentation: what its clients send,
// and so what every test, tool and document of this one starts from.

/** The sample request, as an object. */
export const ORIGINAL_SAMPLE = {
  confirmationRequired: 'None',
  deadline: '',
  dropOffLocation: 'drop off',
  expedited: true,
  ownerId: 'myowner',
  packageInfo: { packageId: 'mypackage', size: 'Small', tag: 'mytag', weight: 10 },
  pickupLocation: 'my pickup',
  pickupTime: '2019-05-08T20:00:00.000Z',
};

/** The same, byte for byte as the documentation writes it (its key order is the object's). */
export const ORIGINAL_SAMPLE_JSON = JSON.stringify(ORIGINAL_SAMPLE);
