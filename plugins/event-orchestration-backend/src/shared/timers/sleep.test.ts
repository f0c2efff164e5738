import { sleep } from './sleep';

describe('sleep', () => {
  it('resolves early, without rejecting, when its signal aborts', async () => {
    const controller = new AbortController();
    const slept = sleep(60_000, controller.signal);
    controller.abort();
    await expect(slept).resolves.toBeUndefined();
    await expect(sleep(60_000, controller.signal)).resolves.toBeUndefined();
  });

  it('waits the given time without a signal', async () => {
    let done = false;
    const slept = sleep(30).then(() => {
      done = true;
    });
    expect(done).toBe(false);
    await slept;
    expect(done).toBe(true);
  });
});
