/**
 * The go-plugin / pluginv2 contract, checked against the packaged executable as Grafana
 * launches it.
 */
import { spawnSync } from 'child_process';
import { EXECUTABLE, grafanaEnv, startPlugin, PluginProcess } from '../harness/plugin-process';
import { GrafanaClient } from '../harness/grpc-client';
import { REDIS_URL } from '../support/redis';

const ds = { uid: 'proto-ds', jsonData: { kind: 'redis', url: REDIS_URL } };

describe('start-up and handshake', () => {
  it('refuses to run without the magic cookie, with a human message and nothing on stdout', () => {
    const res = spawnSync(EXECUTABLE, [], { env: {}, encoding: 'utf8', timeout: 30_000 });
    expect(res.status).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/This binary is a plugin/);
  });

  it('refuses a host that offers no protocol version 2', () => {
    const res = spawnSync(EXECUTABLE, [], {
      env: grafanaEnv({ PLUGIN_PROTOCOL_VERSIONS: '1' }),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(res.status).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/speaks version 2/);
  });

  describe('a running plugin', () => {
    let plugin: PluginProcess;
    let grafana: GrafanaClient;

    beforeAll(async () => {
      plugin = await startPlugin();
      grafana = new GrafanaClient(plugin.target);
    });

    afterAll(() => {
      grafana?.close();
      plugin?.kill();
    });

    it('prints exactly one go-plugin handshake line: core 1, app 2, grpc', () => {
      expect(plugin.handshake).toMatchObject({ coreVersion: 1, appVersion: 2, protocol: 'grpc' });
      expect(['unix', 'tcp']).toContain(plugin.handshake.network);
    });

    it('reports "plugin" as SERVING on the gRPC health service', async () => {
      expect(await grafana.ping()).toBe(1);
    });

    it('logs hclog JSON lines on stderr with microsecond timestamps', () => {
      expect(plugin.stderr.length).toBeGreaterThan(0);
      for (const line of plugin.stderr) {
        const entry = JSON.parse(line);
        expect(['trace', 'debug', 'info', 'warn', 'error']).toContain(entry['@level']);
        expect(typeof entry['@message']).toBe('string');
        expect(entry['@timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d$/);
      }
    });

    it('ignores SIGINT, as Grafana plugins do', async () => {
      plugin.child.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 300));
      expect(await grafana.ping()).toBe(1);
    });

    it('answers unknown resources with a JSON 404', async () => {
      const res = await grafana.callResource(ds, 'GET', 'no/such/thing');
      expect(res.code).toBe(404);
      expect(JSON.parse(res.body).error).toMatch(/no resource GET \/no\/such\/thing/);
    });

    it('serves its own metrics in Prometheus text format', async () => {
      await grafana.queryData(ds, [{ refId: 'A', json: '{bad' }]);
      const text = await grafana.collectMetrics();
      expect(text).toMatch(/^# TYPE jobscope_queries_total counter$/m);
      expect(text).toMatch(/^jobscope_queries_total\{type="invalid",status="downstream_error"\} [1-9]\d*$/m);
      expect(text).toMatch(/^process_resident_memory_bytes [1-9]\d+$/m);
    });

    it('refuses publishing into streams (read-only) and unknown stream paths', async () => {
      expect((await grafana.subscribeStream(ds, 'nope')).status).toBe(1); // NOT_FOUND
    });
  });
});

describe('shutdown', () => {
  it('exits within 2 s of GRPCController.Shutdown', async () => {
    const plugin = await startPlugin();
    const grafana = new GrafanaClient(plugin.target);
    try {
      const asked = Date.now();
      await grafana.shutdown();
      const { code } = await plugin.exited;
      expect(code).toBe(0);
      expect(Date.now() - asked).toBeLessThan(2000);
    } finally {
      grafana.close();
      plugin.kill();
    }
  });

  it('exits cleanly on SIGTERM, removing its socket', async () => {
    const plugin = await startPlugin();
    plugin.child.kill('SIGTERM');
    const { code } = await plugin.exited;
    expect(code).toBe(0);
    if (plugin.handshake.network === 'unix') {
      expect(require('fs').existsSync(plugin.handshake.address)).toBe(false);
    }
  });
});
