import { CATALOGUE } from '../../pkg/model/catalogue';
import type { FlowCounts } from './flow-counts';
import { layoutFlow, type NodeBox } from './flow-layout';
import { flowGraph } from './flow-model';
import { routeEdges, type Point } from './flow-routes';

/** The sizes the browser suites draw the panel at, and the band above the diagram. */
const SIZES: Array<[number, number]> = [
  [300, 200],
  [400, 300],
  [708, 300],
  [1440, 900],
];
const TOP = 24;

/** Points every half pixel along a route (independent of the router's own geometry). */
function sample(points: Point[]): Point[] {
  const out: Point[] = [];
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1], points[i]];
    const n = Math.max(1, Math.ceil(Math.hypot(b[0] - a[0], b[1] - a[1]) * 2));
    for (let k = i === 1 ? 0 : 1; k <= n; k++) {
      out.push([a[0] + ((b[0] - a[0]) * k) / n, a[1] + ((b[1] - a[1]) * k) / n]);
    }
  }
  return out;
}

const inside = (p: Point, b: NodeBox, pad: number) =>
  Math.abs(p[0] - b.x) < b.w / 2 + pad && Math.abs(p[1] - b.y) < b.h / 2 + pad;
const onBorder = (p: Point, b: NodeBox) => inside(p, b, 0.01) && !inside(p, { ...b, w: b.w - 0.02, h: b.h - 0.02 }, 0);

/** What is wrong with the drawn arrows: the browser suites' edge checks, on the routes themselves. */
function routeProblems(systems: string[], counts: FlowCounts, w: number, h: number): string[] {
  const graph = flowGraph(systems, counts);
  const layout = layoutFlow(graph, counts, w, h, TOP);
  const { routes, bridges } = routeEdges(layout, graph.edges);
  const out: string[] = [];
  const byId = new Map(layout.nodes.map((b) => [b.node.id, b]));
  const drawn = routes.map((r) => ({ name: `${r.edge.from}→${r.edge.to}`, r, points: sample(r.points) }));
  expect(routes.map((r) => r.edge)).toEqual(graph.edges);
  for (const e of drawn) {
    const [from, to] = [byId.get(e.r.edge.from)!, byId.get(e.r.edge.to)!];
    if (!onBorder(e.r.points[0], from) || !onBorder(e.r.points[e.r.points.length - 1], to)) {
      out.push(`${e.name} does not run from border to border`);
    }
    for (const b of layout.nodes) {
      if (b !== from && b !== to && e.points.some((p) => inside(p, b, 1))) {
        out.push(`${e.name} passes through ${b.node.id}`);
      }
    }
    if (e.points.some(([x, y]) => x < 0 || x > w || y < TOP || y > h)) {
      out.push(`${e.name} leaves the diagram`);
    }
  }
  for (const a of drawn) {
    for (const b of drawn) {
      if (a === b || !near(a.points, b.points)) {
        continue;
      }
      // 8 px within 1.5 px of each other: running together, or crossing flatter than 22°
      let run = 0;
      let longest = 0;
      for (const p of a.points) {
        run = b.points.some((q) => Math.hypot(p[0] - q[0], p[1] - q[1]) <= 1.5) ? run + 1 : 0;
        longest = Math.max(longest, run / 2);
      }
      if (longest >= 8) {
        out.push(`${a.name} runs on top of ${b.name}`);
      }
      // every crossing is bridged (one arrow cut where the other passes over it)
      if (a.name < b.name) {
        for (const p of a.points) {
          const near = b.points.find((q) => Math.hypot(p[0] - q[0], p[1] - q[1]) <= 0.3);
          const atEnd = [a.r.points[0], a.r.points[a.r.points.length - 1]].some(
            (end) => Math.hypot(p[0] - end[0], p[1] - end[1]) < 2
          );
          if (
            near &&
            !atEnd &&
            !bridges.some(
              (br) =>
                [a.r, b.r].includes(br.over) && sample(br.points).some((s) => Math.hypot(s[0] - p[0], s[1] - p[1]) < 1)
            )
          ) {
            out.push(`${a.name} crosses ${b.name} without a bridge`);
            break;
          }
        }
      }
    }
  }
  return out;
}

/** Bounding boxes of two sampled routes within 2 px of each other (else they cannot meet). */
function near(a: Point[], b: Point[]) {
  const box = (ps: Point[]) => [0, 1].map((k) => [Math.min(...ps.map((p) => p[k])), Math.max(...ps.map((p) => p[k]))]);
  const [ba, bb] = [box(a), box(b)];
  return [0, 1].every((k) => ba[k][0] <= bb[k][1] + 2 && bb[k][0] <= ba[k][1] + 2);
}

/** Every metric a system returns (all optional states drawn), or none (optional states left out). */
const full = (metrics: string[]): FlowCounts => Object.fromEntries(metrics.map((m) => [m, 1]));

describe('routeEdges', () => {
  for (const d of CATALOGUE) {
    it(`routes ${d.id}'s arrows around every other state, none on top of another, at every size`, () => {
      for (const [w, h] of SIZES) {
        for (const counts of [full(Object.keys(d.metrics)), {}]) {
          expect({
            size: `${w}x${h}`,
            optional: Object.keys(counts).length > 0,
            problems: routeProblems([d.id], counts, w, h),
          }).toEqual({
            size: `${w}x${h}`,
            optional: Object.keys(counts).length > 0,
            problems: [],
          });
        }
      }
    });
  }

  it('routes the common life cycle drawn for a mix of systems', () => {
    for (const [w, h] of SIZES) {
      const counts = full(['delayed', 'wait', 'active', 'completed', 'retries', 'failed', 'dead']);
      expect(routeProblems(['bullmq', 'sidekiq'], counts, w, h)).toEqual([]);
    }
  });

  it('finds what it checks: a straight line through a state, two arrows on one line', () => {
    // pg-boss: Created → Cancelled skips Active in the same row; drawn straight it would pass through it
    const graph = flowGraph(['pg-boss'], {});
    const layout = layoutFlow(graph, {}, 708, 300, TOP);
    const { routes } = routeEdges(layout, graph.edges);
    const cancel = routes.find((r) => r.edge.from === 'created' && r.edge.to === 'cancelled')!;
    expect(cancel.points.length).toBeGreaterThan(2);
    const active = layout.nodes.find((b) => b.node.id === 'active')!;
    const straight = sample([
      cancel.points[0],
      [layout.nodes.find((b) => b.node.id === 'cancelled')!.x, cancel.points[0][1]],
    ]);
    expect(straight.some((p) => inside(p, active, 1))).toBe(true);
  });
});
