/**
 * Bull 3/4's Redis layout, as its Lua scripts (node_modules/bull/lib/commands/*.lua) and
 * queue.js write it, all under `<prefix>:<queue>:` (prefix `bull` by default, the same
 * default as BullMQ, hence one `bullPrefix` setting for both):
 *   wait, paused, active (lists: addJob LPUSHes, or RPUSHes for LIFO; workers
 *   BRPOPLPUSH from the right; pause() RENAMEs wait → paused), delayed (zset scored
 *   `timestamp * 0x1000 + counter`), priority (zset of prioritized jobs, which are ALSO in
 *   wait/paused, inserted by priority), completed / failed (zsets scored by finishedOn),
 *   stalled (set used by the stalled checker), stalled-check (string), id (string
 *   counter, INCRed by every addJob), meta-paused (string, present while paused), meta
 *   (hash {paused: 1} "for forward compatibility with BullMQ", nothing else), limiter,
 *   repeat (zset), metrics:completed|failed (+ :data) when workers use the `metrics` option,
 *   <jobId> (hash: name, data, opts (JSON), timestamp, delay, priority, processedOn,
 *   finishedOn, attemptsMade, failedReason, stacktrace (JSON array, one per attempt),
 *   returnvalue), <jobId>:lock (string with PX, held by the worker), <jobId>:logs (list).
 * Workers name their blocking connection `<prefix>:<base64(queue)>` (worker.js clientName).
 */
export { DEFAULT_PREFIX, queueFromKey, queueKey, queueKeyPattern } from '../bullmq/keys';
