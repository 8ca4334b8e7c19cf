# Enqueues the test jobs with Sidekiq's own client (REDIS_URL selects the database).
# Prints the jids as JSON so the test can look for them.
require_relative "jobs"
require "json"

out = Hash.new { |h, k| h[k] = [] }
4.times { |i| out["backlog"] << BacklogJob.perform_async(i) }
5.times { |i| out["ok"] << OkJob.perform_async(i) }
2.times { |i| out["flaky"] << FlakyJob.perform_async(100 + i) }
3.times { |i| out["poison"] << PoisonJob.perform_async(200 + i) }
out["slow"] << SlowJob.perform_async(Integer(ENV.fetch("SLOW_SECONDS", "600")))
# What opentelemetry-instrumentation-sidekiq does: the W3C context as a top-level key.
out["traced"] << Sidekiq::Client.push(
  "class" => TracedJob, "args" => ["t"], "queue" => "backlog",
  "traceparent" => "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
)
2.times { |i| out["scheduled"] << OkJob.perform_in(3600 + i, 300 + i) }
puts JSON.generate(out)
