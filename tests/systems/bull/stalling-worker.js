// A Bull worker that takes one job and hangs; the test SIGKILLs this process so the job
// stays active with a lock that expires: a stalled job, made by the real library.
const Bull = require('bull');
const [prefix, queue, db] = process.argv.slice(2);
const q = new Bull(queue, {
  prefix,
  redis: { host: '127.0.0.1', port: Number(process.env.REDIS_PORT || 6379), db: Number(db) },
  settings: { lockDuration: 1000, stalledInterval: 600000 }, // nobody recovers it during the test
});
q.on('error', () => undefined);
q.process(() => new Promise(() => process.stdout.write('taken\n')));
