// A BullMQ worker that takes one job and hangs; the test SIGKILLs this process so the
// job stays active with a lock that expires: a stalled job, made by the real library.
const { Worker } = require(process.env.BULLMQ_MODULE || 'bullmq');
const [prefix, queue, db] = process.argv.slice(2);
const worker = new Worker(queue, () => new Promise(() => process.stdout.write('taken\n')), {
  connection: {
    host: '127.0.0.1',
    port: Number(process.env.REDIS_PORT || 6379),
    db: Number(db),
    maxRetriesPerRequest: null,
  },
  prefix,
  lockDuration: 1000,
  stalledInterval: 600000, // nobody else recovers it during the test
});
worker.on('error', () => undefined);
