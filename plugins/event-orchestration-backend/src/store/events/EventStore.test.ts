import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { createTestDatabases } from '../../__testUtils__/testDatabases';
import { migratedStores } from '../../__testUtils__/storeDatabase';

jest.setTimeout(60_000);

const databases = createTestDatabases();

function alert(id: string, subject = 'checkout'): OrchestrationEvent {
  return {
    specversion: '1.0',
    id,
    source: '/alertmanager',
    type: 'alertmanager.alert.firing',
    subject,
    time: '2026-11-30T10:00:00Z',
    data: { alertname: 'HighCPU', token: 's3cr3t-value' },
  };
}

describe.each(databases.eachSupportedId())('EventStore on %p', databaseId => {
  it('records an event once: a redelivery keeps the first receive time, links and no second link retry', async () => {
    const { knex, store } = await migratedStores(databases, databaseId, [
      's3cr3t-value',
    ]);
    const first = await store.events.recordEvent({
      event: alert('e1'),
      entityRefs: ['component:default/checkout'],
      linkRetry: {
        subject: 'checkout',
        reason: 'no-entity',
        firstDelayMs: 10_000,
      },
    });
    await new Promise(r => setTimeout(r, 5));
    const again = await store.events.recordEvent({
      event: alert('e1'),
      entityRefs: ['component:default/other'],
      linkRetry: {
        subject: 'checkout',
        reason: 'catalog-unreachable',
        firstDelayMs: 10_000,
      },
    });

    expect(again.receivedAt).toBe(first.receivedAt);
    expect(
      (await store.events.entityLinksOf({ eventIds: ['e1'] })).map(
        l => l.entity_ref,
      ),
    ).toEqual(['component:default/checkout']);
    expect(await store.events.linkRetries.counts()).toEqual({
      catalogUnreachable: 0,
      unknownSubject: 1,
    });
    // Configured secret values never reach the stored envelope.
    const row = await store.events.getEventRow({ id: 'e1' });
    expect(row?.envelope).not.toContain('s3cr3t-value');
    expect(await knex('edo_events')).toHaveLength(1);
  });

  it('links a waiting subject in a unit of work, and gives up on events past their window', async () => {
    const { store } = await migratedStores(databases, databaseId);
    for (const [id, subject] of [
      ['a1', 'checkout'],
      ['a2', 'checkout'],
      ['b1', 'payments'],
    ]) {
      await store.events.recordEvent({
        event: alert(id, subject),
        entityRefs: [],
        linkRetry: { subject, reason: 'no-entity', firstDelayMs: 0 },
      });
    }
    const now = Date.now() + 1;
    expect(
      await store.events.linkRetries.dueSubjects({ now, limit: 10 }),
    ).toEqual(['checkout', 'payments']);

    await store.transaction(async tx => {
      const ids = await store.events.linkRetries.waitingEventsOf(tx, {
        subject: 'checkout',
      });
      await store.events.linkEntities(tx, {
        eventIds: ids,
        entityRefs: ['component:default/checkout'],
      });
      await store.events.linkRetries.forget(tx, { eventIds: ids });
    });
    expect(
      (await store.events.entityLinksOf({ eventIds: ['a1', 'a2'] }))
        .map(l => `${l.event_id}=${l.entity_ref}`)
        .sort(),
    ).toEqual([
      'a1=component:default/checkout',
      'a2=component:default/checkout',
    ]);

    // payments: first postponed (received just now), then past its window.
    expect(
      await store.events.linkRetries.postpone({
        subject: 'payments',
        reason: 'no-entity',
        now,
        giveUpReceivedBefore: now - 60_000,
        firstDelayMs: 10_000,
        maxDelayMs: 60_000,
      }),
    ).toEqual({ gaveUp: 0, postponed: 1 });
    expect(
      await store.events.linkRetries.dueSubjects({ now, limit: 10 }),
    ).toEqual([]);
    const later = now + 20_000;
    expect(
      await store.events.linkRetries.postpone({
        reason: 'no-entity',
        now: later,
        giveUpReceivedBefore: later,
        firstDelayMs: 10_000,
        maxDelayMs: 60_000,
      }),
    ).toEqual({ gaveUp: 1, postponed: 0 });
    expect(await store.events.linkRetries.counts()).toEqual({
      catalogUnreachable: 0,
      unknownSubject: 0,
    });
  });

  it('lists subjects several entities claim, not refs an event names itself', async () => {
    const { store } = await migratedStores(databases, databaseId);
    const both = ['component:default/aaa', 'component:default/payments'];
    await store.events.recordEvent({
      event: alert('c1', 'payments'),
      entityRefs: both,
    });
    await store.events.recordEvent({
      event: alert('c2', 'payments'),
      entityRefs: both,
    });
    // One claimant only: no conflict.
    await store.events.recordEvent({
      event: alert('c3', 'checkout'),
      entityRefs: ['component:default/checkout'],
    });
    // Names both entities itself (as orchestration.run.finished does).
    await store.events.recordEvent({
      event: { ...alert('c4', 'a-sensor'), entityref: both },
      entityRefs: both,
    });
    expect(await store.events.linkConflicts({ limit: 10 })).toEqual([
      {
        subject: 'payments',
        entityRefs: both,
        events: 2,
        lastEventId: 'c2',
        lastSeenAt: expect.any(String),
      },
    ]);
  });

  it('deletes events with their links and link retries (retention)', async () => {
    const { knex, store } = await migratedStores(databases, databaseId);
    for (const id of ['old', 'young']) {
      await store.events.recordEvent({
        event: alert(id),
        entityRefs: ['component:default/checkout'],
        linkRetry: {
          subject: 'checkout',
          reason: 'no-entity',
          firstDelayMs: 0,
        },
      });
    }
    await store.transaction(async tx => {
      const candidates = await store.events.lockEventsReceivedBefore(tx, {
        before: new Date(Date.now() + 1000),
        afterSeq: 0,
        limit: 1,
      });
      expect(candidates.map(c => c.id)).toEqual(['old']);
      await store.events.deleteEvents(tx, { ids: ['old'] });
    });
    expect((await knex('edo_events')).map(r => r.id)).toEqual(['young']);
    expect((await knex('edo_event_entities')).map(r => r.event_id)).toEqual([
      'young',
    ]);
    expect((await knex('edo_event_link_retries')).map(r => r.event_id)).toEqual(
      ['young'],
    );
  });
});
