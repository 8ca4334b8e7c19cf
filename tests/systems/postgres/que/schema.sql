-- Que's tables as its migrations leave them at version 7 (que 2.4.1), in schema public
-- (Que's SQL always names public.que_*). Taken from que-rb/que lib/que/migrations/1…7/up.sql
-- (commit 17fb2c3b75b3): 1 table, 2 priority default, 3 queue, 4 rewrite (id, args/data
-- jsonb, finished_at, expired_at, last_error_*, que_poll_idx, GIN indexes, que_values,
-- que_lockers), 5 job_schema_version, 6 kwargs and que_poll_idx on job_schema_version,
-- 7 triggers skippable. The notify triggers and their functions are left out: they only
-- pg_notify listeners and change no row.
CREATE FUNCTION public.que_validate_tags(tags_array jsonb) RETURNS boolean AS $$
  SELECT bool_and(jsonb_typeof(value) = 'string' AND char_length(value::text) <= 100)
  FROM jsonb_array_elements(tags_array)
$$ LANGUAGE SQL;

CREATE TABLE public.que_jobs (
  priority smallint NOT NULL DEFAULT 100,
  run_at timestamptz NOT NULL DEFAULT now(),
  id bigserial PRIMARY KEY,
  job_class text NOT NULL,
  error_count integer NOT NULL DEFAULT 0,
  last_error_message text,
  queue text NOT NULL DEFAULT 'default',
  last_error_backtrace text,
  finished_at timestamptz,
  expired_at timestamptz,
  args jsonb NOT NULL DEFAULT '[]',
  data jsonb NOT NULL DEFAULT '{}',
  job_schema_version integer NOT NULL,
  kwargs jsonb NOT NULL DEFAULT '{}',
  CONSTRAINT queue_length CHECK (char_length(queue) <= 100),
  CONSTRAINT job_class_length CHECK (char_length(CASE job_class WHEN 'ActiveJob::QueueAdapters::QueAdapter::JobWrapper' THEN args->0->>'job_class' ELSE job_class END) <= 200),
  CONSTRAINT valid_args CHECK (jsonb_typeof(args) = 'array'),
  CONSTRAINT valid_data CHECK (jsonb_typeof(data) = 'object' AND ((NOT data ? 'tags') OR (jsonb_typeof(data->'tags') = 'array' AND jsonb_array_length(data->'tags') <= 5 AND public.que_validate_tags(data->'tags')))),
  CONSTRAINT error_length CHECK (char_length(last_error_message) <= 500 AND char_length(last_error_backtrace) <= 10000)
) WITH (fillfactor = 90);

CREATE INDEX que_poll_idx ON public.que_jobs (job_schema_version, queue, priority, run_at, id) WHERE (finished_at IS NULL AND expired_at IS NULL);
CREATE INDEX que_jobs_data_gin_idx ON public.que_jobs USING gin (data jsonb_path_ops);
CREATE INDEX que_jobs_args_gin_idx ON public.que_jobs USING gin (args jsonb_path_ops);
CREATE INDEX que_jobs_kwargs_gin_idx ON public.que_jobs USING gin (kwargs jsonb_path_ops);

CREATE TABLE public.que_values (
  key text PRIMARY KEY,
  value jsonb NOT NULL DEFAULT '{}',
  CONSTRAINT valid_value CHECK (jsonb_typeof(value) = 'object')
) WITH (fillfactor = 90);

CREATE UNLOGGED TABLE public.que_lockers (
  pid integer NOT NULL CONSTRAINT que_lockers_pkey PRIMARY KEY,
  worker_count integer NOT NULL,
  worker_priorities integer[] NOT NULL,
  ruby_pid integer NOT NULL,
  ruby_hostname text NOT NULL,
  queues text[] NOT NULL,
  listening boolean NOT NULL,
  job_schema_version integer DEFAULT 1,
  CONSTRAINT valid_worker_priorities CHECK (array_ndims(worker_priorities) = 1 AND array_length(worker_priorities, 1) IS NOT NULL),
  CONSTRAINT valid_queues CHECK (array_ndims(queues) = 1 AND array_length(queues, 1) IS NOT NULL)
);

COMMENT ON TABLE public.que_jobs IS '7';
