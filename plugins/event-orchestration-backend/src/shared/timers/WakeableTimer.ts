/**
 * A sleep that can be cut short: polling loops wait on it between rounds, and a
 * local publish (or a new run) wakes them at once instead of after the interval.
 */
export class WakeableTimer {
  private wakeCurrent: (() => void) | undefined;
  private woken = false;

  sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise(resolve => {
      let timer: ReturnType<typeof setTimeout> | undefined = undefined;
      const done = () => {
        clearTimeout(timer);
        this.wakeCurrent = undefined;
        resolve();
      };
      timer = setTimeout(done, ms);
      this.wakeCurrent = done;
    });
  }

  /** Ends the current sleep, or makes the next one return at once. */
  wake() {
    if (this.wakeCurrent) {
      this.wakeCurrent();
    } else {
      this.woken = true;
    }
  }
}
