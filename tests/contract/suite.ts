/**
 * The contract every job system honours, checked through the packaged executable against
 * the system's real server and library state, with the catalogue (pkg/model/catalogue) as
 * the declaration: the same assertions for all, one fixture per system.
 */
import { CATALOGUE, descriptorOf } from '../../pkg/model/catalogue';
import { JOB_STATES, KIND_NAMES, QUERY_TYPES, type QueryType } from '../../pkg/model/query';
import { startPlugin, type PluginProcess } from '../harness/plugin-process';
import { GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, readNumeric, readTimeseriesMulti, type DecodedFrame } from '../harness/grafana-frames';
import type { DataResponse } from '../../pkg/protocol/messages';
import type { ContractCheck, ContractFixture, FixtureState } from './fixture';

/** Columns of each table frame, in order (workers may add system-specific ones after). */
export const TABLE_COLUMNS: Record<'failures' | 'jobs' | 'workers' | 'queues', string[]> = {
  failures: ['system', 'queue', 'reason', 'count', 'first_seen', 'last_seen', 'example_job_id', 'example_message'],
  jobs: [
    'system',
    'queue',
    'id',
    'name',
    'state',
    'attempts',
    'created',
    'processed',
    'finished',
    'error',
    'stacktrace',
    'payload',
    'payload_bytes',
    'payload_kind',
    'payload_truncated',
    'trace_id',
  ],
  workers: ['system', 'name', 'host', 'pid', 'queues', 'busy', 'concurrency', 'last_heartbeat', 'started', 'alive'],
  queues: ['system', 'queue'],
};

const UNKNOWN_QUEUE = 'jobscope-contract-no-such-queue';
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Answer {
  status: number;
  errorSource?: string;
  error?: string;
  frames: DecodedFrame[];
  notices: string[];
}

function decode(r: DataResponse): Answer {
  const frames = (r.frames ?? []).map((f) => decodeFrame(f));
  const notices = frames.flatMap((f) => ((f.meta?.notices ?? []) as Array<{ text: string }>).map((n) => n.text));
  return { status: r.status, errorSource: r.errorSource || undefined, error: r.error || undefined, frames, notices };
}

/** A table frame's rows as objects, after checking its columns. */
function tableRows(a: Answer, type: keyof typeof TABLE_COLUMNS): Array<Record<string, unknown>> {
  expect(a.frames).toHaveLength(1);
  const f = a.frames[0];
  const names = f.fields.map((x) => x.name);
  const expected = TABLE_COLUMNS[type];
  expect(type === 'workers' ? names.slice(0, expected.length) : names).toEqual(expected);
  const rows = f.fields[0]?.values.length ?? 0;
  return Array.from({ length: rows }, (_, i) => Object.fromEntries(f.fields.map((x) => [x.name, x.values[i]])));
}

/** Checks the frame shape a query type declares, or that a failure is the broker's or the user's. */
function checkShape(type: QueryType, a: Answer): void {
  if (a.status !== 200) {
    // Only the broker or the user may fail a query, never our code.
    expect({ status: a.status, source: a.errorSource }).toEqual({ status: expect.any(Number), source: 'downstream' });
    expect(a.status).toBeGreaterThanOrEqual(400);
    return;
  }
  switch (type) {
    case 'overview':
      readNumeric(a.frames);
      break;
    case 'timeseries':
      if (a.frames.length === 1 && a.frames[0].fields.length === 0) {
        expect(a.frames[0].meta?.type).toBe('timeseries-multi'); // typed "no data"
      } else {
        readTimeseriesMulti(a.frames);
      }
      break;
    default:
      tableRows(a, type);
  }
}

export function describeContract(fixture: ContractFixture): void {
  const d = descriptorOf(fixture.id)!;
  const catalogued = Object.keys(d.metrics);

  describe(`${fixture.id} honours its catalogue entry`, () => {
    let plugin: PluginProcess;
    let grafana: GrafanaClient;
    let state: FixtureState;

    beforeAll(async () => {
      plugin = await startPlugin();
      grafana = new GrafanaClient(plugin.target);
      state = await fixture.setup();
    }, fixture.setupTimeoutMs ?? 120_000);

    afterAll(async () => {
      grafana?.close();
      plugin?.kill();
      await state?.release();
    });

    async function ask(json: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> {
      const responses = await grafana.queryData(
        state.ds,
        [{ refId: 'A', json: { system: fixture.id, ...json } }],
        headers
      );
      return decode(responses.A);
    }

    it('has a catalogue entry', () => {
      expect(d?.id).toBe(fixture.id);
    });

    it.each(QUERY_TYPES.map((t) => [t]))('answers %s in its declared frame shape', async (type) => {
      const a = await ask({ queryType: type, queues: state.queues });
      checkShape(type, a);
      expect({ status: a.status, error: a.error }).toEqual({
        status: fixture.downstreamErrors?.[type] ?? 200,
        error: a.status === 200 ? undefined : expect.any(String),
      });
    });

    it('returns only catalogued metrics, each of them or a notice naming it, under unique labels', async () => {
      const a = await ask({ queryType: 'overview', queues: state.queues }, { FromAlert: 'true' });
      expect(a.status).toBe(200);
      const values = readNumeric(a.frames); // fails on duplicate label sets
      expect(values.length).toBeGreaterThan(0);
      for (const v of values) {
        expect(catalogued).toContain(v.metric);
        expect(v.labels.system).toBe(fixture.id);
        const queues = [...state.queues, ...(d.sharedValues ? [d.sharedValues.queue] : [])];
        expect(queues).toContain(v.labels.queue);
      }
      const returned = new Set(values.map((v) => v.metric));
      const missing = catalogued.filter((m) => !returned.has(m) && !a.notices.some((n) => n.includes(m)));
      expect({ missing, notices: a.notices }).toEqual({ missing: [], notices: a.notices });
    });

    it('answers an overview for one metric with the system and queue labels alone', async () => {
      const metric = catalogued.find((m) => m === 'wait') ?? catalogued[0];
      const a = await ask({ queryType: 'overview', queues: state.queues, metrics: [metric] }, { FromAlert: 'true' });
      const values = readNumeric(a.frames);
      for (const v of values) {
        expect([v.metric, Object.keys(v.labels).sort()]).toEqual([metric, ['queue', 'system']]);
      }
    });

    it('lists every catalogued job state with the jobs columns', async () => {
      for (const jobState of d.jobStates) {
        const a = await ask({ queryType: 'jobs', state: jobState, queues: state.queues });
        expect({ jobState, status: a.status, error: a.error }).toEqual({ jobState, status: 200, error: undefined });
        for (const row of tableRows(a, 'jobs')) {
          expect([jobState, row.system]).toEqual([jobState, fixture.id]);
          expect(state.queues).toContain(row.queue);
        }
      }
    });

    it('lists its declared default job state when a jobs query names none', async () => {
      const ids = async (json: Record<string, unknown>) =>
        tableRows(await ask({ queryType: 'jobs', queues: state.queues, ...json }), 'jobs')
          .map((r) => `${r.queue}/${r.id}`)
          .sort();
      expect(await ids({})).toEqual(await ids({ state: d.defaultJobState }));
    });

    it('answers the other job states empty, with a notice', async () => {
      for (const jobState of JOB_STATES.filter((s) => !d.jobStates.includes(s))) {
        const a = await ask({ queryType: 'jobs', state: jobState, queues: state.queues });
        expect({ jobState, status: a.status }).toEqual({ jobState, status: 200 });
        expect([jobState, tableRows(a, 'jobs')]).toEqual([jobState, []]);
        expect([jobState, a.notices.length > 0]).toEqual([jobState, true]);
      }
    });

    it('answers 404 for an unknown queue alone, a notice beside a known one', async () => {
      const alone = await ask({ queryType: 'overview', queues: [UNKNOWN_QUEUE] });
      expect([alone.status, alone.errorSource]).toEqual([404, 'downstream']);
      const beside = await ask({ queryType: 'overview', queues: [state.queues[0], UNKNOWN_QUEUE] });
      expect(beside.status).toBe(200);
      expect(beside.notices.some((n) => n.includes(UNKNOWN_QUEUE))).toBe(true);
      expect(readNumeric(beside.frames).some((v) => v.labels.queue === state.queues[0])).toBe(true);
    });

    it('answers a pattern matching none of its queues, or another kind’s system, empty with a notice saying why', async () => {
      const none = await ask({ queryType: 'overview', queues: [`${UNKNOWN_QUEUE}-*`] });
      expect([none.status, readNumeric(none.frames)]).toEqual([200, []]);
      expect(none.notices).toContainEqual(
        expect.stringMatching(new RegExp(`^no ${escape(d.name)} queues matching "${UNKNOWN_QUEUE}-\\*" found \\(`))
      );
      const other = CATALOGUE.find((x) => x.kind !== d.kind)!;
      const elsewhere = await ask({ queryType: 'overview', system: other.id });
      expect([elsewhere.status, readNumeric(elsewhere.frames)]).toEqual([200, []]);
      expect(elsewhere.notices).toContain(
        `${other.name} is read by a ${KIND_NAMES[other.kind]} data source; this one is ${KIND_NAMES[d.kind]}`
      );
    });

    // A check against a known adapter defect (which may show only on some runs) is skipped,
    // its reason in the title, until the adapter is fixed and the declaration removed.
    const known = (check: ContractCheck, title: string) => {
      const defect = fixture.knownDefects?.[check];
      return defect ? it.skip.bind(null, `${title} (skipped, known adapter defect: ${defect})`) : it.bind(null, title);
    };

    known(
      'limit',
      'honours limit, and lists finished jobs newest first'
    )(async () => {
      const { state: jobState, order } = state.listing;
      const list = async (limit: number) =>
        tableRows(await ask({ queryType: 'jobs', state: jobState, queues: state.queues, limit }), 'jobs');
      const all = await list(1000);
      expect(all.length).toBeGreaterThanOrEqual(2);
      if (order === 'newest-first') {
        const times = all.map((r) => r.finished ?? r.created);
        expect(times.every((t) => typeof t === 'number')).toBe(true);
        expect(times).toEqual([...(times as number[])].sort((x, y) => y - x));
      }
      const limited = await list(all.length - 1);
      expect(limited.map((r) => `${r.queue}/${r.id}`)).toEqual(all.slice(0, -1).map((r) => `${r.queue}/${r.id}`));
    });

    it('lists the queues it made under its own system', async () => {
      const rows = tableRows(await ask({ queryType: 'queues' }), 'queues');
      const mine = rows.filter((r) => r.system === fixture.id).map((r) => r.queue);
      for (const q of state.queues) {
        expect(mine).toContain(q);
      }
    });
  });
}
