/**
 * The flow panel drawn from what the packaged executable answered on real states, one job
 * system of each kind beside BullMQ (which panel.test.ts covers): Sidekiq (Redis), pg-boss
 * (PostgreSQL), RabbitMQ, NATS JetStream and Kafka, each on the state its contract fixture
 * makes with the real library (tests/contract/fixtures/<system>.ts) and releases afterwards.
 *
 * For each, at one size and theme (the full matrix of sizes, themes and counts runs on
 * in-process frames in panel-families.test.ts): the panel draws the system's life cycle with
 * counts equal to the values of the executable's overview frames, in Inter, with nothing
 * outside the panel or overlapping and no console error; a click on the state that holds the
 * fixture's listed jobs sends the panel's own jobs query, which the executable answers, and
 * the list holds exactly the jobs it answered. Screenshots go to artifacts/screenshots/live-*.
 */
import * as fs from 'fs';
import type * as http from 'http';
import * as path from 'path';
import type { BrowserContext } from 'playwright-core';

import { descriptorOf } from '../../pkg/model/catalogue';
import type { JobSystemId } from '../../pkg/model/query';
import { decodeFrame, readNumeric } from '../harness/grafana-frames';
import { GrafanaClient } from '../harness/grpc-client';
import { startPlugin, type PluginProcess } from '../harness/plugin-process';
import type { ContractFixture, FixtureState } from '../contract/fixture';
import { describeKafka } from '../systems/kafka/cluster';
import {
  askExecutable,
  buildPage,
  drawnCounts,
  decodedFrameJSON,
  INTER_LOADED,
  launch,
  layoutProblems,
  openPage,
  serve,
  SHOTS,
  type FrameJSON,
  type QueryBody,
} from './support';

/**
 * Sidekiq without a namespace owns its Redis database: this suite's own, not the contract
 * suite's (the fixture reads its database from JOBSCOPE_CONTRACT_SIDEKIQ_DB when it loads).
 */
const SIDEKIQ_DB = process.env.JOBSCOPE_BROWSER_SIDEKIQ_DB || '14'; // 8 is the Redis bench's

interface Live {
  system: JobSystemId;
  fixture: () => Promise<ContractFixture>;
  theme: 'dark' | 'light';
  size: [number, number];
}

/** One system a kind, each at its own size and theme so that together they span the range. */
const LIVE: Live[] = [
  {
    system: 'sidekiq',
    fixture: async () => {
      process.env.JOBSCOPE_CONTRACT_SIDEKIQ_DB = SIDEKIQ_DB;
      return (await import('../contract/fixtures/sidekiq')).fixture;
    },
    theme: 'dark',
    size: [708, 300],
  },
  {
    system: 'pg-boss',
    fixture: async () => (await import('../contract/fixtures/pg-boss')).fixture,
    theme: 'light',
    size: [1440, 900],
  },
  {
    system: 'rabbitmq',
    fixture: async () => (await import('../contract/fixtures/rabbitmq')).fixture,
    theme: 'light',
    size: [400, 300],
  },
  {
    system: 'jetstream',
    fixture: async () => (await import('../contract/fixtures/jetstream')).fixture,
    theme: 'dark',
    size: [1440, 900],
  },
  {
    system: 'kafka',
    fixture: async () => (await import('../contract/fixtures/kafka')).fixture,
    theme: 'dark',
    size: [300, 200],
  },
];

jest.setTimeout(60_000);

let plugin: PluginProcess | undefined;
let grafana: GrafanaClient | undefined;
let server: http.Server | undefined;
let browser: BrowserContext | undefined;
let origin = '';
let dir = '';
/** The state whose data source answers the page's queries now. */
let current: FixtureState | undefined;
/** What the executable answered each query of the page, in order. */
const answered: Array<{ body: QueryBody; frames: FrameJSON[] }> = [];

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  plugin = await startPlugin();
  grafana = new GrafanaClient(plugin.target);
  dir = await buildPage();
  ({ server, origin } = await serve(dir, async (body) => {
    const out = await askExecutable(grafana!, current!.ds, body);
    answered.push({ body, frames: out.frames });
    return out;
  }));
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  grafana?.close();
  plugin?.kill();
});

/**
 * The jobs in frames the executable answered that are in one of `states`, each once by system,
 * queue and id: a job two job states report (Sidekiq's dead set as `dead` and `failed`) is one
 * row, and rows the answer holds in another state (Sidekiq's `failed` also answers its retry
 * set, as `retry`) belong to that state's node, not this one.
 */
function answeredJobs(frames: FrameJSON[], states: readonly string[]): Map<string, string> {
  const jobs = new Map<string, string>();
  for (const f of frames) {
    const col = (name: string) => f.fields.find((x) => x.name === name)?.values ?? [];
    col('id').forEach((id, i) => {
      if (states.includes(String(col('state')[i]))) {
        jobs.set(`${String(col('system')[i])}/${String(col('queue')[i])}/${String(id)}`, String(id));
      }
    });
  }
  return jobs;
}

function describeLive({ system, fixture, theme, size: [w, h] }: Live) {
  const d = descriptorOf(system)!;
  let made: ContractFixture | undefined;
  let state: FixtureState | undefined;

  beforeAll(async () => {
    made = await fixture();
    state = await made.setup();
    current = state;
  }, 240_000);

  afterAll(async () => {
    await state?.release();
  });

  it(`draws the overview the executable answered (${theme}, ${w}×${h}) and lists a state’s jobs through it`, async () => {
    const query = { system, queues: state!.queues };
    const responses = await grafana!.queryData(state!.ds, [{ refId: 'A', json: { queryType: 'overview', ...query } }]);
    expect({ status: responses.A.status, error: responses.A.error || undefined }).toEqual({
      status: 200,
      error: undefined,
    });
    const overview = responses.A.frames.map(decodeFrame);
    const values = readNumeric(overview);
    expect(values.length).toBeGreaterThan(0);
    fs.writeFileSync(path.join(dir, `live-${system}.json`), JSON.stringify(overview.map(decodedFrameJSON)));

    const url =
      `${origin}/?theme=${theme}&w=${w}&h=${h}&frames=live-${system}.json` +
      `&ds=${encodeURIComponent(state!.ds.uid)}&query=${encodeURIComponent(JSON.stringify(query))}`;
    const { page, errors, fonts } = await openPage(browser!, url, w, h);
    try {
      expect(fonts).toEqual(INTER_LOADED);
      await expect(page.getByTestId('jobscope-flow').getAttribute('data-graph')).resolves.toBe(system);
      // each state drawn with the sum of its metrics' values in the frames (empty: none answered)
      const drawn = await drawnCounts(page);
      const sum = (metrics: readonly string[]) => {
        const picked = values.filter((v) => metrics.includes(v.metric));
        return picked.length ? String(picked.reduce((a, v) => a + v.value, 0)) : '';
      };
      const expected = drawn.map(([id]) => [id, sum(d.lifecycle.states.find((s) => s.id === id)?.metrics ?? [])]);
      expect(drawn).toEqual(expected);
      expect(drawn.map(([id]) => id)).toEqual(
        expect.arrayContaining(d.lifecycle.states.filter((s) => !s.optional).map((s) => s.id))
      );
      // the frames hold some jobs: a drawing of zeros would prove little
      expect(drawn.some(([, count]) => Number(count) > 0)).toBe(true);
      expect(await layoutProblems(page)).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `live-${system}-${theme}-${w}x${h}.png`) });

      // the state holding the fixture's listed jobs, clicked: its query goes to the executable
      const clicked = d.lifecycle.states.find(
        (s) => s.jobStates.includes(state!.listing.state) && drawn.some(([id]) => id === s.id)
      )!;
      expect(clicked).toBeDefined();
      const before = answered.length;
      await page.getByTestId(`jobscope-flow-node-${clicked.id}`).click();
      const list = page.getByTestId('jobscope-job-list');
      await list.getByTestId('jobscope-job').first().waitFor();
      const asked = answered.slice(before);
      expect(asked).toHaveLength(1);
      const listable = clicked.jobStates.filter((j) => d.jobStates.includes(j));
      expect(asked[0].body.targets.map((t) => [t.queryType, t.state, t.system, t.queues])).toEqual(
        listable.map((j) => ['jobs', j, system, state!.queues])
      );
      const jobs = answeredJobs(asked[0].frames, clicked.jobStates);
      const ids = [...jobs.values()];
      // the fixture's listed state holds at least two jobs
      expect(jobs.size).toBeGreaterThanOrEqual(2);
      // the rows in view (the list is virtualised) are among those answered, and it holds them all
      const shown = await list
        .getByTestId('jobscope-job')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-job-id')!));
      expect(shown.length).toBeGreaterThan(0);
      expect(ids).toEqual(expect.arrayContaining(shown));
      await expect(list.getByTestId('jobscope-job').first().getAttribute('aria-setsize')).resolves.toBe(
        String(jobs.size)
      );
      expect(await layoutProblems(page)).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `live-${system}-${theme}-${w}x${h}-${clicked.id}.png`) });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
}

for (const live of LIVE) {
  if (live.system === 'kafka') {
    describeKafka(`${live.system}, live`, () => describeLive(live));
  } else {
    describe(`${live.system}, live`, () => describeLive(live));
  }
}
