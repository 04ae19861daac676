/** Races work against a deadline without cancelling the work: it goes on in the background. */

export type DeadlineResult<T> = { done: true; value: T } | { done: false };

export async function withinDeadline<T>(work: Promise<T>, ms: number): Promise<DeadlineResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<DeadlineResult<T>>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work.then((value): DeadlineResult<T> => ({ done: true, value })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
