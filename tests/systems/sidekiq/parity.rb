# Prints Sidekiq's own numbers for the current state as JSON, with read-only API calls only:
# Stats.new (GET/ZCARD/SCARD/LRANGE), Queue#size/#latency, the sorted-set sizes,
# ProcessSet.new(false) (false: no cleanup, which would SREM), WorkSet#each.
require "sidekiq"
require "sidekiq/api"
require "json"

stats = Sidekiq::Stats.new
history = Sidekiq::Stats::History.new(2)
queues = Sidekiq::Queue.all.to_h { |q| [q.name, {"size" => q.size, "latency" => q.latency}] }
processes = Sidekiq::ProcessSet.new(false).map { |p|
  {"identity" => p.identity, "queues" => p["queues"], "busy" => p["busy"], "quiet" => p["quiet"], "concurrency" => p["concurrency"]}
}
work = Sidekiq::WorkSet.new.map { |_process, _tid, w| {"queue" => w["queue"], "jid" => w["payload"]["jid"]} }
puts JSON.generate(
  "processed" => stats.processed,
  "failed" => stats.failed,
  "scheduled" => stats.scheduled_size,
  "retry" => stats.retry_size,
  "dead" => stats.dead_size,
  "queues" => queues,
  "processes" => processes,
  "work" => work,
  "retry_jids" => Sidekiq::RetrySet.new.map(&:jid),
  "dead_jids" => Sidekiq::DeadSet.new.map(&:jid),
  "scheduled_jids" => Sidekiq::ScheduledSet.new.map(&:jid),
  "history" => {"processed" => history.processed, "failed" => history.failed}
)
