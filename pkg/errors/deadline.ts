/**
 * Bounds a wait: `work` settles the answer, unless `ms` pass first, then `late()` does.
 * The work itself may go on (a library call cannot always be cancelled); its outcome is
 * then dropped, never left as an unhandled rejection.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
