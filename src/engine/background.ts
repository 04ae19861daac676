/** Work that runs after the response (ingestion of siblings, prefetch): tracked so shutdown and tests can wait for it. */
export class BackgroundTasks {
  readonly #running = new Set<Promise<void>>();

  run(task: () => Promise<void>): void {
    const running = task().finally(() => this.#running.delete(running));
    this.#running.add(running);
  }

  async settle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }
}
