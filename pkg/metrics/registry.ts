/**
 * The plugin's own metrics in Prometheus text format, served through CollectMetrics
 * (Grafana exposes them at /metrics/plugins/<id>). Tiny on purpose: counters, gauges
 * and a duration summary, keyed by a fixed set of labels.
 */
import { constants, PerformanceObserver } from 'perf_hooks';

type Labels = Record<string, string>;

const labelText = (labels: Labels) => {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`
  );
  return parts.length ? `{${parts.join(',')}}` : '';
};

class Family {
  readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge'
  ) {}

  add(labels: Labels, delta: number): void {
    const key = labelText(labels);
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += delta;
    this.values.set(key, entry);
  }

  set(labels: Labels, value: number): void {
    this.values.set(labelText(labels), { labels, value });
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, value } of this.values.values()) {
      lines.push(`${this.name}${labelText(labels)} ${value}`);
    }
    return lines.join('\n');
  }
}

export class MetricsRegistry {
  private readonly families: Family[] = [];

  counter(name: string, help: string): Family {
    return this.add(new Family(name, help, 'counter'));
  }

  gauge(name: string, help: string): Family {
    return this.add(new Family(name, help, 'gauge'));
  }

  private add(f: Family): Family {
    this.families.push(f);
    return f;
  }

  render(): string {
    return this.families.map((f) => f.render()).join('\n') + '\n';
  }
}

/** The metrics Jobscope's handlers update. */
export function pluginMetrics(registry = new MetricsRegistry()) {
  const m = {
    registry,
    queries: registry.counter('jobscope_queries_total', 'Queries answered, by query type and outcome.'),
    querySeconds: registry.counter('jobscope_query_duration_seconds_sum', 'Total seconds spent answering queries.'),
    queryCount: registry.counter('jobscope_query_duration_seconds_count', 'Queries timed.'),
    healthChecks: registry.counter('jobscope_health_checks_total', 'Health checks, by outcome.'),
    uncaughtErrors: registry.counter(
      'jobscope_uncaught_errors_total',
      'Errors nothing caught (logged, the process kept serving): a Jobscope bug.'
    ),
    activeStreams: registry.gauge('jobscope_active_streams', 'Live streams currently polling a broker.'),
    instances: registry.gauge('jobscope_datasource_instances', 'Data source connections held.'),
    residentBytes: registry.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.'),
    heapBytes: registry.gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.'),
    liveHeapBytes: registry.gauge(
      'jobscope_heap_live_bytes',
      'V8 heap in use right after the last full garbage collection, in bytes: what the plugin keeps (0 before the first one).'
    ),
    fullCollections: registry.counter('jobscope_full_gc_total', 'Full (mark-compact) garbage collections since start.'),
    cpuSeconds: registry.gauge('process_cpu_seconds_total', 'User and system CPU time spent, in seconds.'),
    startTime: registry.gauge(
      'process_start_time_seconds',
      'Start time of the process since the Unix epoch, in seconds.'
    ),
    redisRoundTrips: registry.counter(
      'jobscope_redis_round_trips_total',
      'Round trips to Redis (a pipeline counts once).'
    ),
    redisCommands: registry.counter('jobscope_redis_commands_total', 'Commands sent to Redis.'),
  };
  m.startTime.set({}, Math.round(Date.now() / 1000 - process.uptime()));
  m.liveHeapBytes.set({}, 0);
  // heapUsed between collections includes garbage not yet collected; right after a full
  // (mark-compact) collection it is what is really retained, so growth there is a leak.
  const gc = new PerformanceObserver((list) => {
    if (
      list
        .getEntries()
        .some((e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
    ) {
      m.liveHeapBytes.set({}, process.memoryUsage().heapUsed);
      m.fullCollections.add({}, 1);
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  return m;
}

export type PluginMetrics = ReturnType<typeof pluginMetrics>;

/** Refreshes the process gauges just before a scrape. */
export function sampleProcess(m: PluginMetrics): void {
  const mem = process.memoryUsage();
  m.residentBytes.set({}, mem.rss);
  m.heapBytes.set({}, mem.heapUsed);
  const cpu = process.cpuUsage();
  m.cpuSeconds.set({}, (cpu.user + cpu.system) / 1e6);
}
