/** As `GET /dead-letters` answers for the embedded bus. */
export const deadLetter = {
  subscriber: 'sensor-engine',
  eventId: 'alertmanager-a1b2c3d4e5f60718-2026-11-23T07:51:02.130Z-firing',
  eventType: 'alertmanager.alert',
  subject: 'my-awesome-app',
  attempts: 5,
  lastError: 'Error: connect ECONNREFUSED 10.0.3.7:5432',
  deadLetteredAt: '2026-11-23T08:03:12.000Z',
};
