/** At most `size` jobs run at once; the others wait their turn in arrival order. */
export class Semaphore {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running < this.size) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await job();
    } finally {
      // the slot passes straight to the next waiter, so `running` stays counted
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
