#!/usr/bin/env bash
# Jobscope test servers on loopback: installs what is missing (Debian packages, Maven jars,
# a Python virtualenv) and starts what is not already answering. Idempotent: run it as often
# as you like; servers that already answer are reused, never restarted.
#
#   Redis 6379 · RabbitMQ 5672 + management 15672 · PostgreSQL 5432 (user postgres, trust)
#   NATS 4222 + monitoring 8222 with JetStream · Kafka (KRaft) 9092 / controller 9093
#
# Env knobs:
#   JOBSCOPE_KAFKA=0   skip Kafka;  =1 Kafka is required (fail if it can't start);
#                      unset: best effort (a warning, and the rest goes on without it).
#   JOBSCOPE_KAFKA_VERSION   org.apache.kafka:kafka_2.13 version from Maven Central (4.3.1).
#   JOBSCOPE_STATE_DIR       where data dirs and logs go (/var/tmp).
#   JOBSCOPE_SKIP_VENV=1     don't create/refresh .venv.
# Logs: $JOBSCOPE_STATE_DIR/jobscope-*/ (*.log).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${JOBSCOPE_STATE_DIR:-/var/tmp}"
KAFKA_VERSION="${JOBSCOPE_KAFKA_VERSION:-4.3.1}"
KAFKA_CLUSTER_ID="MkU3OEVBNTcwNTJENDM2Qk"   # any base64 UUID; fixed so re-formatting is idempotent
T0=$(date +%s)

log()  { printf '[servers %3ss] %s\n' "$(( $(date +%s) - T0 ))" "$*" >&2; }
die()  { printf '[servers] ERROR: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# wait_for SECONDS WHAT CMD... : poll CMD every 0.5 s until it succeeds or SECONDS pass.
wait_for() {
  local secs=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    if (( $(date +%s) >= deadline )); then
      die "$what did not come up within ${secs}s (command: $*)"
    fi
    sleep 0.5
  done
}

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"
  elif have sudo; then sudo -n "$@"
  else die "need root for: $* (run as root, or install it yourself)"; fi
}

# Only one run at a time on a machine (two shells, or CI beside a developer). Every daemon
# below is started with 9>&- so that it does not inherit (and hold forever) this lock.
mkdir -p "$STATE"
exec 9>"$STATE/jobscope-servers.lock"
flock -w 900 9 || die "another .ci/servers.sh held $STATE/jobscope-servers.lock for 15 min"

# ---------------------------------------------------------------- Debian packages
APT_UPDATED=0
apt_install() {   # apt_install PKG... : installs only the packages not yet installed
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  (( ${#missing[@]} )) || return 0
  if (( ! APT_UPDATED )); then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  log "apt-get install ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
}

KAFKA_WANTED=1
[[ "${JOBSCOPE_KAFKA:-}" == 0 ]] && KAFKA_WANTED=0

PKGS=(curl ca-certificates procps util-linux
      redis-server redis-tools rabbitmq-server postgresql-15 postgresql-client-15 nats-server
      chromium chromium-driver python3-celery python3-rq ruby-sidekiq)
if (( KAFKA_WANTED )); then
  have java || PKGS+=(openjdk-17-jre-headless)
  have mvn  || PKGS+=(maven)
fi
apt_install "${PKGS[@]}"

# ---------------------------------------------------------------- Redis
REDIS_DIR="$STATE/jobscope-redis"
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if redis_up; then
  REDIS_STATUS=reused
else
  port_open 6379 && die "something listens on 127.0.0.1:6379 but does not answer PING"
  mkdir -p "$REDIS_DIR"
  log "starting Redis"
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --dir "$REDIS_DIR" \
    --logfile "$REDIS_DIR/redis.log" --pidfile "$REDIS_DIR/redis.pid" \
    --save '' --appendonly no >/dev/null 9>&-
  wait_for 20 "Redis (log: $REDIS_DIR/redis.log)" redis_up
  REDIS_STATUS=started
fi
REDIS_VERSION=$(redis-cli -h 127.0.0.1 -p 6379 info server | tr -d '\r' | sed -n 's/^redis_version://p')

# ---------------------------------------------------------------- RabbitMQ
RABBIT_DIR="$STATE/jobscope-rabbitmq"
rabbit_api() { curl -fsS -m 3 -u "${RABBIT_API_USER:-guest}:${RABBIT_API_PASS:-guest}" "$@"; }
rabbit_api_up() {
  local c
  for c in guest:guest jobscope:jobscope; do
    if curl -fsS -m 3 -u "$c" -o /dev/null http://127.0.0.1:15672/api/overview 2>/dev/null; then
      RABBIT_API_USER=${c%%:*}; RABBIT_API_PASS=${c#*:}; return 0
    fi
  done
  return 1
}
if rabbit_api_up; then
  RABBIT_STATUS=reused
else
  if port_open 5672; then
    # A broker runs without (or still starting) its management plugin: enable it online.
    log "RabbitMQ answers on 5672 but not on 15672: enabling rabbitmq_management"
    as_root rabbitmq-plugins enable rabbitmq_management >/dev/null 2>&1 9>&- || true
    RABBIT_STATUS=reused
  else
    mkdir -p "$RABBIT_DIR"
    cat > "$RABBIT_DIR/rabbitmq.conf" <<'EOF'
listeners.tcp.default = 127.0.0.1:5672
management.tcp.ip = 127.0.0.1
management.tcp.port = 15672
loopback_users.guest = true
EOF
    chmod 755 "$RABBIT_DIR"; chmod 644 "$RABBIT_DIR/rabbitmq.conf"
    as_root rabbitmq-plugins enable --offline rabbitmq_management >/dev/null
    log "starting RabbitMQ (detached)"
    # The Debian wrapper switches to the rabbitmq user with `su` (environment kept).
    as_root env RABBITMQ_CONFIG_FILE="$RABBIT_DIR/rabbitmq.conf" ERL_EPMD_ADDRESS=127.0.0.1 \
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}' \
      rabbitmq-server -detached 9>&-
    RABBIT_STATUS=started
  fi
  wait_for 90 "RabbitMQ management API on 127.0.0.1:15672 (logs: /var/log/rabbitmq/)" rabbit_api_up
fi
# Users for tests, created idempotently through the HTTP API (PUT is create-or-update).
rabbit_user() {   # rabbit_user NAME PASSWORD TAGS
  rabbit_api -X PUT -H 'content-type: application/json' \
    -d "{\"password\":\"$2\",\"tags\":\"$3\"}" "http://127.0.0.1:15672/api/users/$1" -o /dev/null
  rabbit_api -X PUT -H 'content-type: application/json' \
    -d '{"configure":".*","write":".*","read":".*"}' "http://127.0.0.1:15672/api/permissions/%2F/$1" -o /dev/null
}
rabbit_has_user() {   # true if NAME exists with exactly TAGS
  rabbit_api "http://127.0.0.1:15672/api/users/$1" 2>/dev/null | grep -q "\"tags\":\[\"$2\"\]"
}
rabbit_has_user jobscope administrator      || rabbit_user jobscope jobscope administrator
rabbit_has_user jobscope-monitor monitoring || rabbit_user jobscope-monitor jobscope-monitor monitoring
wait_for 30 "RabbitMQ AMQP port 127.0.0.1:5672" port_open 5672
RABBIT_VERSION=$(curl -fsS -m 3 -u jobscope:jobscope http://127.0.0.1:15672/api/overview \
  | sed -n 's/.*"rabbitmq_version":"\([^"]*\)".*/\1/p')

# ---------------------------------------------------------------- PostgreSQL
PG_DIR="$STATE/jobscope-pg"
PG_BIN=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
[[ -n "$PG_BIN" && -x "$PG_BIN/initdb" ]] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
pg_trust_ok() { psql "postgres://postgres@127.0.0.1:5432/postgres?connect_timeout=3" -XAtqc 'select 1' </dev/null 2>/dev/null | grep -qx 1; }
as_pg() {   # run a command as the postgres user (initdb/pg_ctl refuse root)
  if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if pg_trust_ok; then
  PG_STATUS=reused
elif pg_isready -q -h 127.0.0.1 -p 5432 -t 3; then
  # Something answers but refuses postgres without password: the Debian cluster? Trust loopback there.
  HBA=""
  if have pg_lsclusters; then
    read -r v c _ < <(pg_lsclusters -h | awk '$3==5432 && $4 ~ /online/ {print $1, $2}') || true
    [[ -n "${v:-}" ]] && HBA="/etc/postgresql/$v/$c/pg_hba.conf"
  fi
  [[ -n "$HBA" && -f "$HBA" ]] || die "a PostgreSQL on 127.0.0.1:5432 refuses user postgres without a password, and it is not a Debian cluster this script can adjust"
  log "adjusting $HBA: trust for 127.0.0.1 and ::1"
  if ! grep -q '# jobscope-ci' "$HBA"; then
    as_root sed -i '1i host all all 127.0.0.1/32 trust # jobscope-ci\nhost all all ::1/128 trust # jobscope-ci' "$HBA"
  fi
  as_root pg_ctlcluster "$v" "$c" reload
  wait_for 15 "PostgreSQL trust on 127.0.0.1:5432" pg_trust_ok
  PG_STATUS="reused (Debian cluster $v/$c)"
else
  port_open 5432 && die "something listens on 127.0.0.1:5432 that is not PostgreSQL"
  mkdir -p "$PG_DIR"
  [[ $EUID -eq 0 ]] && chown postgres:postgres "$PG_DIR"
  if [[ ! -f "$PG_DIR/data/PG_VERSION" ]]; then
    log "initdb $PG_DIR/data"
    as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1 \
      || die "initdb failed (see $PG_DIR/initdb.log)"
  fi
  log "starting PostgreSQL"
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 \
    -o "-p 5432 -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null 9>&- \
    || die "PostgreSQL did not start (see $PG_DIR/postgres.log)"
  wait_for 30 "PostgreSQL on 127.0.0.1:5432 (log: $PG_DIR/postgres.log)" pg_trust_ok
  PG_STATUS=started
fi
PG_VERSION=$(psql "postgres://postgres@127.0.0.1:5432/postgres" -XAtqc 'show server_version' </dev/null | awk '{print $1}')

# ---------------------------------------------------------------- NATS (JetStream)
NATS_DIR="$STATE/jobscope-nats"
nats_info() { timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/4222; IFS= read -r l <&3; printf "%s\n" "$l"' 2>/dev/null; }
nats_js_up() { nats_info | grep -q '"jetstream":true'; }
if nats_js_up; then
  NATS_STATUS=reused
else
  port_open 4222 && die "a server on 127.0.0.1:4222 answers without JetStream (or is not NATS)"
  mkdir -p "$NATS_DIR"
  log "starting NATS with JetStream"
  setsid nohup nats-server -js -a 127.0.0.1 -p 4222 -m 8222 -sd "$NATS_DIR" \
    -l "$NATS_DIR/nats.log" -P "$NATS_DIR/nats.pid" </dev/null >>"$NATS_DIR/nats.out" 2>&1 9>&- &
  disown || true
  wait_for 20 "NATS on 127.0.0.1:4222 (log: $NATS_DIR/nats.log)" nats_js_up
  NATS_STATUS=started
fi
NATS_VERSION=$(nats_info | sed -n 's/.*"version":"\([^"]*\)".*/\1/p')

# ---------------------------------------------------------------- Kafka (KRaft, jars from Maven Central)
KAFKA_DIR="$STATE/jobscope-kafka"
KAFKA_STATUS=skipped; KAFKA_V=-
kafka_up() {   # a real Kafka ApiVersions request (v0) answered with error_code 0
  python3 - <<'EOF'
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", 9092), timeout=3); s.settimeout(3)
cid = b"jobscope-ci"; body = struct.pack(">hhih", 18, 0, 7, len(cid)) + cid
s.sendall(struct.pack(">i", len(body)) + body)
buf = b""
while len(buf) < 10:
    chunk = s.recv(64)
    if not chunk: sys.exit(1)
    buf += chunk
corr, err = struct.unpack(">ih", buf[4:10]); sys.exit(0 if corr == 7 and err == 0 else 1)
EOF
}
start_kafka() {
  mkdir -p "$KAFKA_DIR"
  if ! ls "$KAFKA_DIR/libs/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null 2>&1; then
    log "fetching Kafka $KAFKA_VERSION jars from Maven Central"
    cat > "$KAFKA_DIR/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>jobscope</groupId><artifactId>kafka-runtime</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.25.4</version></dependency>
  </dependencies>
</project>
EOF
    rm -rf "$KAFKA_DIR/libs"
    (cd "$KAFKA_DIR" && timeout 600 mvn -B -q dependency:copy-dependencies \
        -DoutputDirectory=libs -DincludeScope=runtime >"$KAFKA_DIR/mvn.log" 2>&1) \
      || { echo "see $KAFKA_DIR/mvn.log" >&2; return 1; }
  fi
  cat > "$KAFKA_DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:9093
listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093
advertised.listeners=PLAINTEXT://127.0.0.1:9092
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
EOF
  cat > "$KAFKA_DIR/log4j2.properties" <<'EOF'
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.state.name = state.change.logger
logger.state.level = WARN
EOF
  local java_opts=(-Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true
                   -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" -cp "$KAFKA_DIR/libs/*")
  if [[ ! -f "$KAFKA_DIR/data/meta.properties" ]]; then
    log "formatting Kafka storage (KRaft)"
    java "${java_opts[@]}" kafka.tools.StorageTool format -t "$KAFKA_CLUSTER_ID" \
      -c "$KAFKA_DIR/server.properties" >"$KAFKA_DIR/format.log" 2>&1 \
      || { echo "see $KAFKA_DIR/format.log" >&2; return 1; }
  fi
  log "starting Kafka $KAFKA_VERSION"
  setsid nohup java "${java_opts[@]}" kafka.Kafka "$KAFKA_DIR/server.properties" \
    </dev/null >"$KAFKA_DIR/kafka.log" 2>&1 9>&- &
  echo $! > "$KAFKA_DIR/kafka.pid"
  disown || true
  local deadline=$(( $(date +%s) + 90 ))
  until kafka_up >/dev/null 2>&1; do
    if ! kill -0 "$(cat "$KAFKA_DIR/kafka.pid")" 2>/dev/null; then
      echo "Kafka exited; tail of $KAFKA_DIR/kafka.log:" >&2; tail -20 "$KAFKA_DIR/kafka.log" >&2; return 1
    fi
    (( $(date +%s) < deadline )) || { echo "Kafka did not answer within 90s (log: $KAFKA_DIR/kafka.log)" >&2; return 1; }
    sleep 0.5
  done
}
if (( KAFKA_WANTED )); then
  if kafka_up >/dev/null 2>&1; then
    KAFKA_STATUS=reused
  elif port_open 9092; then
    KAFKA_STATUS="FAILED (127.0.0.1:9092 is taken by something that is not Kafka)"
  elif start_kafka; then
    KAFKA_STATUS=started
  else
    KAFKA_STATUS=FAILED
  fi
  if [[ $KAFKA_STATUS == FAILED* ]]; then
    [[ "${JOBSCOPE_KAFKA:-}" == 1 ]] && die "Kafka: $KAFKA_STATUS (JOBSCOPE_KAFKA=1 requires it)"
    log "WARNING: Kafka $KAFKA_STATUS; going on without it (JOBSCOPE_KAFKA_BROKERS stays unset)"
  fi
  if [[ $KAFKA_STATUS == started || $KAFKA_STATUS == reused ]]; then
    KAFKA_V=$(ls "$KAFKA_DIR"/libs/kafka_2.13-*.jar 2>/dev/null | sed -n 's/.*kafka_2\.13-\(.*\)\.jar$/\1/p' | head -1)
    [[ -n "$KAFKA_V" ]] || KAFKA_V="?"
  fi
fi

# ---------------------------------------------------------------- Python virtualenvs
# .venv: current Celery and RQ from PyPI. .venv-rq2: RQ 2.x, so that the RQ 1.x (Debian),
# 2.x and current layouts all run for real.
make_venv() { # dir, import check, pip requirements...
  local dir="$1" check="$2"; shift 2
  if [[ -x "$dir/bin/python" ]] && "$dir/bin/python" -c "$check" 2>/dev/null; then
    echo reused; return
  fi
  log "creating $dir with $* from PyPI"
  rm -rf "$dir"
  if ! python3 -m venv "$dir" 2>/dev/null; then
    rm -rf "$dir"
    apt_install python3-venv >&2
    /usr/bin/python3 -m venv "$dir"
  fi
  "$dir/bin/python" -m pip install -q --disable-pip-version-check --upgrade "$@" >&2 \
    || die "pip install $* into $dir failed"
  echo created
}
VENV="$REPO_ROOT/.venv"
VENV_RQ2="$REPO_ROOT/.venv-rq2"
VENV_STATUS=skipped
if [[ "${JOBSCOPE_SKIP_VENV:-}" != 1 ]]; then
  VENV_STATUS="$(make_venv "$VENV" 'import celery, rq, redis' 'celery[redis]' rq)"
  VENV_STATUS="$VENV_STATUS celery $("$VENV/bin/python" -c 'import celery; print(celery.__version__)') rq $("$VENV/bin/python" -c 'import rq; print(rq.__version__)')"
  make_venv "$VENV_RQ2" 'import rq; assert rq.__version__.startswith("2.")' 'rq>=2,<3' >/dev/null
  VENV_STATUS="$VENV_STATUS | rq2 venv: rq $("$VENV_RQ2/bin/python" -c 'import rq; print(rq.__version__)')"
fi

# ---------------------------------------------------------------- summary
CHROMIUM_V=$(chromium --version 2>/dev/null | awk '{print $2}' || echo '?')
echo "servers up in $(( $(date +%s) - T0 ))s: redis $REDIS_VERSION ($REDIS_STATUS) | rabbitmq $RABBIT_VERSION ($RABBIT_STATUS) | postgres $PG_VERSION ($PG_STATUS) | nats $NATS_VERSION+js ($NATS_STATUS) | kafka $KAFKA_V ($KAFKA_STATUS) | chromium $CHROMIUM_V | venv: $VENV_STATUS"
