/**
 * Solid Queue 1.x and GoodJob 4.x rows as the libraries write them, for their system test
 * (tests/systems/postgres-solid-queue-good-job.test.ts) and contract fixtures. No Ruby gem
 * can be installed here, so the tables are the published schemas (solid-queue/ and
 * good-job/ beside this file, each citing its file and version) and each write below is
 * the statement of the Ruby method it names: Active Job's serialized hash, Rails' UTC
 * wall-clock timestamps, Solid Queue's execution tables, GoodJob's job/execution/process
 * rows and its `pauses` setting.
 */
import { randomBytes, randomUUID } from 'crypto';
import { readFileSync } from 'fs';
import path from 'path';
import type { Client } from 'pg';

/** The published schemas' DDL. */
export const SOLID_QUEUE_DDL = readFileSync(path.join(__dirname, 'solid-queue/schema.sql'), 'utf8');
export const GOOD_JOB_DDL = readFileSync(path.join(__dirname, 'good-job/schema.sql'), 'utf8');

/** Rails' UTC wall-clock time `secondsAgo` before now (negative = in the future), as SQL. */
export const utc = (secondsAgo: number) => `((now() AT TIME ZONE 'UTC') - interval '${secondsAgo} seconds')`;

/**
 * ActiveJob::Core#serialize (Rails 7.1+ key order), plus OpenTelemetry's ActiveJob
 * instrumentation header hash when traced (Patches::Base#serialize merges `__otel_headers`).
 */
function activeJob(
  jobClass: string,
  queue: string,
  args: unknown[],
  o: { executions?: number; traceparent?: string; scheduledIn?: number } = {}
) {
  const now = new Date();
  const h: Record<string, unknown> = {
    job_class: jobClass,
    job_id: randomUUID(),
    provider_job_id: null,
    queue_name: queue,
    priority: null,
    arguments: args,
    executions: o.executions ?? 0,
    exception_executions: o.executions ? { '[StandardError]': o.executions } : {},
    locale: 'en',
    timezone: 'UTC',
    enqueued_at: now.toISOString(),
    scheduled_at: new Date(now.getTime() + (o.scheduledIn ?? 0) * 1000).toISOString(),
  };
  if (o.traceparent) {
    h.__otel_headers = { traceparent: o.traceparent };
  }
  return h;
}

/** Solid Queue's writes (app/models/solid_queue/*.rb). */
export class SolidQueueWriter {
  constructor(readonly db: Client) {}

  /** Job.enqueue → create! then Executable#prepare_for_execution (due → ready, else scheduled). */
  async enqueue(
    queue: string,
    jobClass: string,
    args: unknown[],
    o: {
      scheduledIn?: number;
      executions?: number;
      traceparent?: string;
      ageSeconds?: number;
      concurrencyKey?: string;
    } = {}
  ): Promise<number> {
    const aj = activeJob(jobClass, queue, args, o);
    const scheduled = utc(-(o.scheduledIn ?? 0) + (o.ageSeconds ?? 0));
    const created = utc(o.ageSeconds ?? 0);
    const { rows } = await this.db.query(
      `INSERT INTO solid_queue_jobs (queue_name, class_name, arguments, priority, active_job_id, scheduled_at, concurrency_key, created_at, updated_at)
       VALUES ($1, $2, $3, 0, $4, ${scheduled}, $5, ${created}, ${created}) RETURNING id`,
      [queue, jobClass, JSON.stringify(aj), aj.job_id, o.concurrencyKey ?? null]
    );
    const id = Number(rows[0].id);
    if (o.concurrencyKey) {
      // ConcurrencyControls#handle_concurrency_conflict → block
      await this.db.query(
        `INSERT INTO solid_queue_blocked_executions (job_id, queue_name, priority, concurrency_key, expires_at, created_at) VALUES ($1, $2, 0, $3, ${utc(-180)}, ${created})`,
        [id, queue, o.concurrencyKey]
      );
    } else if ((o.scheduledIn ?? 0) > 0) {
      await this.db.query(
        `INSERT INTO solid_queue_scheduled_executions (job_id, queue_name, priority, scheduled_at, created_at) VALUES ($1, $2, 0, ${scheduled}, ${created})`,
        [id, queue]
      );
    } else {
      await this.db.query(
        `INSERT INTO solid_queue_ready_executions (job_id, queue_name, priority, created_at) VALUES ($1, $2, 0, ${created})`,
        [id, queue]
      );
    }
    return id;
  }

  /** Processes::Registrable#register (Process.register: kind, name, pid, hostname, metadata as JSON). */
  async register(heartbeatSecondsAgo: number, queues = '*'): Promise<number> {
    const name = `worker-${randomBytes(10).toString('hex')}`;
    const { rows } = await this.db.query(
      `INSERT INTO solid_queue_processes (kind, last_heartbeat_at, pid, hostname, metadata, created_at, name)
       VALUES ('Worker', ${utc(heartbeatSecondsAgo)}, $1, 'app-1', $2, ${utc(heartbeatSecondsAgo + 60)}, $3) RETURNING id`,
      [10000 + Math.floor(Math.random() * 50000), JSON.stringify({ queues, thread_pool_size: 3 }), name]
    );
    return Number(rows[0].id);
  }

  /** ReadyExecution.claim → ClaimedExecution.claiming (insert claimed, delete ready). */
  async claim(jobId: number, processId: number): Promise<void> {
    await this.db.query(
      `INSERT INTO solid_queue_claimed_executions (job_id, process_id, created_at) VALUES ($1, $2, ${utc(30)})`,
      [jobId, processId]
    );
    await this.db.query(`DELETE FROM solid_queue_ready_executions WHERE job_id = $1`, [jobId]);
  }

  /** ClaimedExecution#finished → Job#finished! (touch finished_at, preserve_finished_jobs). */
  async finish(jobId: number, secondsAgo: number): Promise<void> {
    await this.db.query(
      `UPDATE solid_queue_jobs SET finished_at = ${utc(secondsAgo)}, updated_at = ${utc(secondsAgo)} WHERE id = $1`,
      [jobId]
    );
    await this.db.query(`DELETE FROM solid_queue_claimed_executions WHERE job_id = $1`, [jobId]);
  }

  /** ClaimedExecution#failed_with → FailedExecution.create!(exception:) with error JSON. */
  async fail(jobId: number, exceptionClass: string, message: string, secondsAgo: number): Promise<void> {
    const error = {
      exception_class: exceptionClass,
      message,
      backtrace: [
        `/app/jobs/charge_job.rb:7:in 'perform'`,
        `/gems/activejob/lib/active_job/execution.rb:68:in 'block in _perform_job'`,
      ],
    };
    await this.db.query(
      `INSERT INTO solid_queue_failed_executions (job_id, error, created_at) VALUES ($1, $2, ${utc(secondsAgo)})`,
      [jobId, JSON.stringify(error)]
    );
    await this.db.query(`DELETE FROM solid_queue_claimed_executions WHERE job_id = $1`, [jobId]);
  }

  /** Queue#pause → Pause.create_or_find_by!(queue_name:). */
  async pause(queue: string): Promise<void> {
    await this.db.query(`INSERT INTO solid_queue_pauses (queue_name, created_at) VALUES ($1, ${utc(0)})`, [queue]);
  }
}

/** GoodJob's writes (app/models/good_job/job.rb #perform, Job.enqueue_args, process.rb). */
export class GoodJobWriter {
  constructor(readonly db: Client) {}

  /** Job.enqueue_args: id = active_job_id = job_id, serialized_params = ActiveJob#serialize. */
  async enqueue(
    queue: string,
    jobClass: string,
    args: unknown[],
    o: { scheduledIn?: number; executions?: number; traceparent?: string; ageSeconds?: number } = {}
  ): Promise<string> {
    const aj = activeJob(jobClass, queue, args, o);
    const created = utc(o.ageSeconds ?? 0);
    await this.db.query(
      `INSERT INTO good_jobs (id, active_job_id, job_class, queue_name, priority, serialized_params, scheduled_at, created_at, updated_at, executions_count)
       VALUES ($1, $1, $2, $3, 0, $4, ${utc(-(o.scheduledIn ?? 0) + (o.ageSeconds ?? 0))}, ${created}, ${created}, $5)`,
      [aj.job_id, jobClass, queue, JSON.stringify(aj), o.executions ?? null]
    );
    return aj.job_id as string;
  }

  /** Process.find_or_create_record: state = process_state, lock_type advisory (0) or nil. */
  async process(o: { updatedSecondsAgo: number; advisory: boolean; queues?: string }): Promise<string> {
    const id = randomUUID();
    const state = {
      hostname: 'app-2',
      pid: 20000 + Math.floor(Math.random() * 40000),
      memory: 123456,
      proctitle: 'good_job',
      preserve_job_records: true,
      retry_on_unhandled_error: false,
      schedulers: [
        {
          name: 'GoodJob::Scheduler(queues=* max_threads=5)',
          queues: o.queues ?? '*',
          max_threads: 5,
          active_threads: 0,
          available_threads: 5,
          max_cache: 10000,
          active_cache: 0,
          available_cache: 10000,
        },
      ],
      cron_enabled: false,
      total_succeeded_executions_count: 0,
      total_errored_executions_count: 0,
      database_connection_pool: { size: 5, active: 1 },
    };
    await this.db.query(
      `INSERT INTO good_job_processes (id, state, lock_type, created_at, updated_at) VALUES ($1, $2, $3, ${utc(o.updatedSecondsAgo + 60)}, ${utc(o.updatedSecondsAgo)})`,
      [id, JSON.stringify(state), o.advisory ? 0 : null]
    );
    return id;
  }

  /** Job#perform's first transaction: an execution row, performed_at, executions_count + 1, lock. */
  async start(id: string, processId: string | null, secondsAgo = 20): Promise<void> {
    await this.db.query(
      `INSERT INTO good_job_executions (active_job_id, job_class, queue_name, serialized_params, scheduled_at, created_at, updated_at, process_id)
       SELECT id, job_class, queue_name, serialized_params, coalesce(scheduled_at, created_at), ${utc(secondsAgo)}, ${utc(secondsAgo)}, $2 FROM good_jobs WHERE id = $1`,
      [id, processId]
    );
    await this.db.query(
      `UPDATE good_jobs SET performed_at = ${utc(secondsAgo)}, executions_count = coalesce(executions_count, 0) + 1,
         locked_by_id = $2, locked_at = ${utc(secondsAgo)}, lock_type = 0, updated_at = ${utc(secondsAgo)} WHERE id = $1`,
      [id, processId]
    );
  }

  /**
   * The end of Job#perform: unlock, error = format_error ("Class: message") with error_event,
   * finished_at; the execution gets error, error_event, error_backtrace, duration.
   * `retried`: re-enqueued by retry_on (performed_at/finished_at reset, scheduled later with
   * the serialized executions count incremented).
   */
  async end(
    id: string,
    secondsAgo: number,
    error?: { cls: string; message: string; event: number },
    retried?: { inSeconds: number }
  ): Promise<void> {
    const errorString = error ? `${error.cls}: ${error.message}` : null;
    await this.db.query(
      `UPDATE good_job_executions SET error = $2, error_event = $3, error_backtrace = $4, finished_at = ${utc(secondsAgo)}, duration = interval '1.5 seconds', updated_at = ${utc(secondsAgo)}
       WHERE active_job_id = $1 AND finished_at IS NULL`,
      [
        id,
        errorString,
        error?.event ?? null,
        error ? [`/app/jobs/charge_job.rb:7:in 'perform'`, `/gems/good_job/lib/good_job/job.rb:615`] : null,
      ]
    );
    if (retried) {
      await this.db.query(
        `UPDATE good_jobs SET locked_by_id = NULL, locked_at = NULL, lock_type = NULL, error = $2, error_event = $3, performed_at = NULL, finished_at = NULL,
           scheduled_at = ${utc(-retried.inSeconds)}, updated_at = ${utc(secondsAgo)},
           serialized_params = jsonb_set(serialized_params, '{executions}', to_jsonb(coalesce(executions_count, 1)))
         WHERE id = $1`,
        [id, errorString, error?.event ?? null]
      );
    } else {
      await this.db.query(
        `UPDATE good_jobs SET locked_by_id = NULL, locked_at = NULL, lock_type = NULL, error = $2, error_event = $3, finished_at = ${utc(secondsAgo)}, updated_at = ${utc(secondsAgo)} WHERE id = $1`,
        [id, errorString, error?.event ?? null]
      );
    }
  }

  /** Setting.pause(queue:) while nothing is paused yet: the `pauses` setting GoodJob reads with enable_pauses. */
  async pause(queue: string): Promise<void> {
    await this.db.query(
      `INSERT INTO good_job_settings (key, value, created_at, updated_at) VALUES ('pauses', $1, ${utc(0)}, ${utc(0)})`,
      [JSON.stringify({ queues: [queue], job_classes: [], labels: [] })]
    );
  }
}
