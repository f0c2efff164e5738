/**
 * Runs a subscriber's handler calls with at most `limit` at once, while calls
 * with the same key (an event's subject) run one after the other, in the order
 * they were submitted. With a limit of 1 it is the plain sequential loop.
 *
 * Why keys: events about one thing (an application's alerts, firing then
 * resolved) must be evaluated in order; events about different things need not
 * wait for each other. A slot is taken when a call is submitted, so a consume
 * loop that awaits `submit` never holds more than `limit` calls in memory.
 */
export class OrderedTaskPool {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly tails = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new Error(`concurrency must be a positive integer, got ${limit}`);
    }
  }

  /** Resolves when the call is admitted (not when it is done). `task` must not throw. */
  async submit(key: string, task: () => Promise<void>): Promise<void> {
    while (this.active >= this.limit) {
      await new Promise<void>(resolve => this.waiting.push(resolve));
    }
    this.active++;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const done: Promise<void> = previous
      .then(task)
      .catch(() => {})
      .finally(() => {
        this.active--;
        if (this.tails.get(key) === done) this.tails.delete(key);
        this.inFlight.delete(done);
        this.waiting.shift()?.();
      });
    this.tails.set(key, done);
    this.inFlight.add(done);
  }

  /** Waits for every admitted call to finish. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}

/** The ordering key of an event: its subject; events without one are independent. */
export function orderingKey(event: { id: string; subject?: string }): string {
  return event.subject ? `subject:${event.subject}` : `id:${event.id}`;
}
