// The library keeps truncation and padding as settings on the tokenizer object, and its
// asynchronous encode reads them when the work runs on its thread pool, not when it is
// submitted. Calls that need different settings therefore wait until in-flight calls with
// the current settings finish; calls with the same settings run concurrently.

export class SettingsGate {
  private current: string | null = null;
  private running = 0;
  private waiters: (() => void)[] = [];

  async run<T>(key: string, apply: () => void, task: () => Promise<T>): Promise<T> {
    while (this.current !== key && this.running > 0) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.current !== key) {
      apply();
      this.current = key;
    }
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      if (this.running === 0) {
        const waiting = this.waiters;
        this.waiters = [];
        for (const wake of waiting) wake();
      }
    }
  }

  /** Forget the applied settings (after something else changed the tokenizer). */
  invalidate(): void {
    this.current = null;
  }
}
