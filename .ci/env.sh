# Environment for Jobscope's tests: `source .ci/env.sh` (bash or zsh), after .ci/servers.sh.
# Safe to source in an interactive shell: it sets variables only, never exits.
if [ -n "${BASH_SOURCE:-}" ]; then _jobscope_env_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
else _jobscope_env_dir="$(cd "$(dirname "$0")" && pwd)"; fi
JOBSCOPE_ROOT="$(cd "$_jobscope_env_dir/.." && pwd)"; export JOBSCOPE_ROOT
unset _jobscope_env_dir

export JOBSCOPE_REDIS_URL="${JOBSCOPE_REDIS_URL:-redis://127.0.0.1:6379}"
export JOBSCOPE_AMQP_URL="${JOBSCOPE_AMQP_URL:-amqp://jobscope:jobscope@127.0.0.1:5672/}"
export JOBSCOPE_RABBIT_API="${JOBSCOPE_RABBIT_API:-http://127.0.0.1:15672}"
export JOBSCOPE_RABBIT_USER="${JOBSCOPE_RABBIT_USER:-jobscope}"                  # tag administrator
export JOBSCOPE_RABBIT_PASSWORD="${JOBSCOPE_RABBIT_PASSWORD:-jobscope}"
export JOBSCOPE_RABBIT_MONITOR_USER="${JOBSCOPE_RABBIT_MONITOR_USER:-jobscope-monitor}"   # tag monitoring
export JOBSCOPE_RABBIT_MONITOR_PASSWORD="${JOBSCOPE_RABBIT_MONITOR_PASSWORD:-jobscope-monitor}"
export JOBSCOPE_PG_URL="${JOBSCOPE_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export JOBSCOPE_NATS_URL="${JOBSCOPE_NATS_URL:-nats://127.0.0.1:4222}"
export JOBSCOPE_NATS_MONITOR="${JOBSCOPE_NATS_MONITOR:-http://127.0.0.1:8222}"
export JOBSCOPE_VENV="${JOBSCOPE_VENV:-$JOBSCOPE_ROOT/.venv}"
# Debian's interpreter sees python3-celery / python3-rq (the python3 first on PATH may not).
export JOBSCOPE_DEBIAN_PYTHON="${JOBSCOPE_DEBIAN_PYTHON:-/usr/bin/python3}"
export JOBSCOPE_CHROMIUM="${JOBSCOPE_CHROMIUM:-/usr/bin/chromium}"
export JOBSCOPE_CHROMEDRIVER="${JOBSCOPE_CHROMEDRIVER:-/usr/bin/chromedriver}"

# Kafka is optional: set the brokers only when something listens on 9092.
if [ -z "${JOBSCOPE_KAFKA_BROKERS:-}" ] && [ "${JOBSCOPE_KAFKA:-}" != 0 ] &&
   timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/9092' 2>/dev/null; then
  export JOBSCOPE_KAFKA_BROKERS=127.0.0.1:9092
fi
