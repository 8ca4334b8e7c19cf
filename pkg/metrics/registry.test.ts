import * as v8 from 'v8';
import * as vm from 'vm';
import { MetricsRegistry, pluginMetrics, sampleProcess } from './registry';

describe('metrics registry', () => {
  it('renders Prometheus text with HELP, TYPE and escaped labels', () => {
    const r = new MetricsRegistry();
    const c = r.counter('x_total', 'Things.');
    c.add({ type: 'overview', status: 'ok' }, 1);
    c.add({ type: 'overview', status: 'ok' }, 2);
    c.add({ type: 'a"b' }, 1);
    expect(r.render()).toBe(
      '# HELP x_total Things.\n# TYPE x_total counter\nx_total{type="overview",status="ok"} 3\nx_total{type="a\\"b"} 1\n'
    );
  });

  it('samples process gauges', () => {
    const m = pluginMetrics();
    sampleProcess(m);
    const text = m.registry.render();
    expect(text).toMatch(/^process_resident_memory_bytes [1-9]\d+$/m);
    expect(text).toMatch(/^process_start_time_seconds \d{10}$/m);
  });

  it('records the live heap after a full garbage collection', async () => {
    const m = pluginMetrics();
    expect(m.registry.render()).toMatch(/^jobscope_heap_live_bytes 0$/m);
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc(); // a full, mark-compact collection
    await new Promise((r) => setTimeout(r, 50)); // observers are told asynchronously
    const live = Number(/^jobscope_heap_live_bytes (\d+)$/m.exec(m.registry.render())?.[1]);
    expect(live).toBeGreaterThan(1e6);
    expect(live).toBeLessThanOrEqual(process.memoryUsage().heapTotal);
    expect(Number(/^jobscope_full_gc_total (\d+)$/m.exec(m.registry.render())?.[1])).toBeGreaterThanOrEqual(1);
  });
});
