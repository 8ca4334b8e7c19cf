# Jobs for the Sidekiq tests: loaded by the real Sidekiq process (sidekiq -r ./jobs.rb)
# and by producer.rb. Each job REALLY runs: failures are real exceptions that Sidekiq's
# JobRetry puts in the retry set (retry: 1) or straight in the dead set (retry: 0).
require "sidekiq"
Redis.silence_deprecations = true if Redis.respond_to?(:silence_deprecations=)

class OkJob
  include Sidekiq::Worker
  sidekiq_options queue: "default"

  def perform(n)
    n * 2
  end
end

class FlakyJob
  include Sidekiq::Worker
  sidekiq_options queue: "critical", retry: 1, backtrace: 10
  # Keep the failed job in the retry set for the whole test (the default is 15-25 s).
  sidekiq_retry_in { |_count, _exception| 3600 }

  def perform(order)
    raise ArgumentError, "bad input for order #{order}"
  end
end

class PoisonJob
  include Sidekiq::Worker
  sidekiq_options queue: "critical", retry: 0

  def perform(order)
    raise "poison pill in order #{order}"
  end
end

class SlowJob
  include Sidekiq::Worker
  sidekiq_options queue: "slow"

  def perform(seconds)
    sleep seconds
  end
end

class TracedJob
  include Sidekiq::Worker
  sidekiq_options queue: "default"

  def perform(_)
  end
end

# Enqueued into a queue no test worker serves, so it stays waiting.
class BacklogJob
  include Sidekiq::Worker
  sidekiq_options queue: "backlog"

  def perform(_)
  end
end
