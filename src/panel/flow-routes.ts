/**
 * Routes the arrows between the placed states so that an arrow never passes through (or
 * behind) a state other than its two ends and two arrows never run on top of each other.
 *
 * Each arrow takes the cheapest of a few candidate shapes: the straight line between its
 * boxes (shifted to one side when another arrow already holds the centre line), or a path
 * along one of the grid's gaps (out of the top or bottom of a box, along the gap between two
 * rows, the band above the first or below the last, into the other box), or along the gap
 * between two columns. A candidate is refused when it touches a foreign box, runs within a
 * few pixels of an arrow already routed, crosses one close to its ends or at a flat angle.
 * Crossings cost far more than length, so a longer clear way wins over a crossing; a
 * crossing that remains is drawn as a bridge (the upper arrow cuts a gap in the lower one).
 */
import type { FlowEdgeDef } from './flow-model';
import type { FlowLayout, NodeBox } from './flow-layout';

export type Point = [number, number];

export interface EdgeRoute {
  edge: FlowEdgeDef;
  points: Point[];
}

/** A stretch of `over`'s route around a crossing, drawn again above a gap cut in the other arrow. */
export interface Bridge {
  over: EdgeRoute;
  points: [Point, Point];
}

/** Distance kept between an arrow and a foreign box. */
const CLEAR = 2.5;
/** Two arrows closer than this along a stretch run on top of each other. */
const NEAR = 3;
/** Shortest stretch counted as running together. */
const RUN = 6;
/** Crossings no closer than this to an arrow's ends (where arrowheads and boxes are). */
const END_ROOM = 8;
/** Distance between the ends of two arrows on one box. */
const END_GAP = 8;
/** Crossings steeper than ~24° only (flatter ones run together for a stretch, see RUN). */
const MIN_SINE = 0.4;
/** What a bend and a crossing cost, in pixels of length (set from the cell size). */
interface Costs {
  bend: number;
  crossing: number;
}

const baseCost = (points: Point[], costs: Costs) => length(points) + costs.bend * (points.length - 2);

export type Box = Pick<NodeBox, 'x' | 'y' | 'w' | 'h'>;

const sub = (a: Point, b: Point): Point => [a[0] - b[0], a[1] - b[1]];
const cross = (a: Point, b: Point) => a[0] * b[1] - a[1] * b[0];
const dist = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);

function length(points: Point[]) {
  let n = 0;
  for (let i = 1; i < points.length; i++) {
    n += dist(points[i - 1], points[i]);
  }
  return n;
}

/** Does segment p–q come within `pad` of box b (Liang–Barsky clip against the grown box)? */
function segmentHitsBox(p: Point, q: Point, b: Box, pad: number): boolean {
  const [x1, x2, y1, y2] = [b.x - b.w / 2 - pad, b.x + b.w / 2 + pad, b.y - b.h / 2 - pad, b.y + b.h / 2 + pad];
  const d = sub(q, p);
  let t0 = 0;
  let t1 = 1;
  const clip = (num: number, den: number) => {
    if (den === 0) {
      return num >= 0;
    }
    const t = num / den;
    if (den < 0) {
      if (t > t1) {
        return false;
      }
      t0 = Math.max(t0, t);
    } else {
      if (t < t0) {
        return false;
      }
      t1 = Math.min(t1, t);
    }
    return true;
  };
  return (
    clip(p[0] - x1, -d[0]) && clip(x2 - p[0], d[0]) && clip(p[1] - y1, -d[1]) && clip(y2 - p[1], d[1]) && t1 - t0 > 1e-9
  );
}

/** Where segments a–b and c–d cross (not merely touch at an end), and the sine of their angle. */
function crossing(a: Point, b: Point, c: Point, d: Point): { at: Point; sin: number } | undefined {
  const r = sub(b, a);
  const s = sub(d, c);
  const den = cross(r, s);
  if (Math.abs(den) < 1e-9) {
    return undefined;
  }
  const t = cross(sub(c, a), s) / den;
  const u = cross(sub(c, a), r) / den;
  if (t <= 0 || t >= 1 || u <= 0 || u >= 1) {
    return undefined;
  }
  return { at: [a[0] + r[0] * t, a[1] + r[1] * t], sin: Math.abs(den) / (Math.hypot(...r) * Math.hypot(...s)) };
}

function distanceToSegment(p: Point, a: Point, b: Point) {
  const ab = sub(b, a);
  const l2 = ab[0] ** 2 + ab[1] ** 2;
  const t = l2 ? Math.max(0, Math.min(1, ((p[0] - a[0]) * ab[0] + (p[1] - a[1]) * ab[1]) / l2)) : 0;
  return dist(p, [a[0] + ab[0] * t, a[1] + ab[1] * t]);
}

/** Sine of the angle between two directions. */
function sine(u: Point, v: Point) {
  return Math.abs(cross(u, v)) / ((Math.hypot(...u) || 1) * (Math.hypot(...v) || 1));
}

/**
 * Does route `a` run within NEAR of route `b`, nearly parallel to it, along RUN pixels or more?
 * (A steep crossing is close only briefly and is judged by the crossing rules instead.)
 */
function runsAlong(a: Point[], b: Point[]): boolean {
  let run = 0;
  for (let i = 1; i < a.length; i++) {
    const [p, q] = [a[i - 1], a[i]];
    const dir = sub(q, p);
    const n = Math.max(1, Math.ceil(dist(p, q)));
    for (let k = i === 1 ? 0 : 1; k <= n; k++) {
      const at: Point = [p[0] + (dir[0] * k) / n, p[1] + (dir[1] * k) / n];
      let near = false;
      for (let j = 1; j < b.length && !near; j++) {
        near = sine(dir, sub(b[j], b[j - 1])) < 0.5 && distanceToSegment(at, b[j - 1], b[j]) <= NEAR;
      }
      run = near ? run + 1 : 0;
      if (run >= RUN) {
        return true;
      }
    }
  }
  return false;
}

/** Where a ray from (px, py), a point inside box `b`, along (dx, dy) leaves the box. */
function exitPoint(b: Box, px: number, py: number, dx: number, dy: number): Point {
  const tx = dx > 0 ? (b.x + b.w / 2 - px) / dx : dx < 0 ? (b.x - b.w / 2 - px) / dx : Infinity;
  const ty = dy > 0 ? (b.y + b.h / 2 - py) / dy : dy < 0 ? (b.y - b.h / 2 - py) / dy : Infinity;
  const t = Math.min(tx, ty);
  return [px + dx * t, py + dy * t];
}

/** Candidate shapes for an arrow from box a to box b on the layout's grid. */
function candidates(layout: FlowLayout, a: Box, b: Box): Point[][] {
  const { x0, y0, cellW, cellH, cols, rows } = layout.grid;
  const h = a.h;
  const w = a.w;
  const out: Point[][] = [];
  // straight, on the centre line or beside it
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  for (const s of [0, 1, -1, 2, -2]) {
    const shift = (s * Math.min(w, h)) / 6;
    const [nx, ny] = [(-dy / len) * shift, (dx / len) * shift];
    out.push([exitPoint(a, a.x + nx, a.y + ny, dx, dy), exitPoint(b, b.x + nx, b.y + ny, -dx, -dy)]);
  }
  const tracks = [0, 3, -3, 6, -6];
  const ports = [0, 0.25, -0.25, 0.4, -0.4];
  // along a gap between rows (or above the first, below the last)
  const nodeGapY = (cellH - h) / 2;
  const rowGaps = Array.from({ length: rows + 1 }, (_, k) =>
    k === 0 ? y0 + nodeGapY / 2 : k === rows ? (y0 + cellH * rows - nodeGapY + layout.height) / 2 : y0 + cellH * k
  );
  for (const gy of rowGaps) {
    for (const t of tracks) {
      const y = gy + t;
      if (y <= layout.top + 1 || y >= layout.height - 1) {
        continue;
      }
      const ay = y > a.y ? a.y + a.h / 2 : a.y - a.h / 2;
      const by = y > b.y ? b.y + b.h / 2 : b.y - b.h / 2;
      for (const pa of ports) {
        for (const pb of ports) {
          const ax = a.x + pa * a.w;
          const bx = b.x + pb * b.w;
          out.push([
            [ax, ay],
            [ax, y],
            [bx, y],
            [bx, by],
          ]);
        }
      }
    }
  }
  // along a gap between columns (or beside the first, beside the last)
  const nodeGapX = (cellW - w) / 2;
  const colGaps = Array.from({ length: cols + 1 }, (_, k) =>
    k === 0 ? (x0 + nodeGapX) / 2 : k === cols ? (x0 + cellW * cols - nodeGapX + layout.width) / 2 : x0 + cellW * k
  );
  for (const gx of colGaps) {
    for (const t of tracks) {
      const x = gx + t;
      if (x <= 1 || x >= layout.width - 1) {
        continue;
      }
      const ax = x > a.x ? a.x + a.w / 2 : a.x - a.w / 2;
      const bx = x > b.x ? b.x + b.w / 2 : b.x - b.w / 2;
      for (const pa of ports) {
        for (const pb of ports) {
          const ay = a.y + pa * a.h;
          const by = b.y + pb * b.h;
          out.push([
            [ax, ay],
            [x, ay],
            [x, by],
            [bx, by],
          ]);
        }
      }
    }
  }
  // out of the top or bottom along a row gap, then along a column gap into a side (and back)
  for (const gy of rowGaps) {
    for (const gx of colGaps) {
      for (const [ty, tx] of [
        [0, 0],
        [3, 3],
        [-3, -3],
        [3, -3],
        [-3, 3],
      ]) {
        const [y, x] = [gy + ty, gx + tx];
        if (y <= layout.top + 1 || y >= layout.height - 1 || x <= 1 || x >= layout.width - 1) {
          continue;
        }
        for (const pa of ports.slice(0, 3)) {
          for (const pb of ports.slice(0, 3)) {
            const [ax, by] = [a.x + pa * a.w, b.y + pb * b.h];
            out.push([
              [ax, y > a.y ? a.y + a.h / 2 : a.y - a.h / 2],
              [ax, y],
              [x, y],
              [x, by],
              [x > b.x ? b.x + b.w / 2 : b.x - b.w / 2, by],
            ]);
            const [ay, bx] = [a.y + pa * a.h, b.x + pb * b.w];
            out.push([
              [x > a.x ? a.x + a.w / 2 : a.x - a.w / 2, ay],
              [x, ay],
              [x, y],
              [bx, y],
              [bx, y > b.y ? b.y + b.h / 2 : b.y - b.h / 2],
            ]);
          }
        }
      }
    }
  }
  return out.map(simplify).filter((p) => p.length >= 2);
}

/** Drops zero-length segments and merges straight runs. */
function simplify(points: Point[]): Point[] {
  const out: Point[] = [];
  for (const p of points) {
    if (out.length && dist(out[out.length - 1], p) < 0.01) {
      continue;
    }
    if (
      out.length >= 2 &&
      Math.abs(cross(sub(out[out.length - 1], out[out.length - 2]), sub(p, out[out.length - 1]))) < 1e-6
    ) {
      out[out.length - 1] = p;
      continue;
    }
    out.push(p);
  }
  return out;
}

interface Scored {
  points: Point[];
  cost: number;
  crossings: Array<{ other: EdgeRoute; at: Point; sin: number }>;
}

/** Cost of a candidate against the arrows already routed; undefined when it is refused. */
function score(points: Point[], routed: EdgeRoute[], costs: Costs): Scored | undefined {
  const crossings: Scored['crossings'] = [];
  const total = length(points);
  for (const other of routed) {
    // a bend on the other arrow (or the other arrow on a bend) is a crossing nobody can read
    const touches = (bends: Point[], line: Point[]) =>
      bends.slice(1, -1).some((v) => line.slice(1).some((q, j) => distanceToSegment(v, line[j], q) < NEAR));
    if (touches(points, other.points) || touches(other.points, points)) {
      return undefined;
    }
    // ends apart on a box, so that an arrowhead does not seem to lead on into another arrow
    const ends = [other.points[0], other.points[other.points.length - 1]];
    if ([points[0], points[points.length - 1]].some((p) => ends.some((q) => dist(p, q) < END_GAP))) {
      return undefined;
    }
    const otherTotal = length(other.points);
    let along = 0;
    for (let i = 1; i < points.length; i++) {
      let otherAlong = 0;
      for (let j = 1; j < other.points.length; j++) {
        const c = crossing(points[i - 1], points[i], other.points[j - 1], other.points[j]);
        if (c) {
          const here = along + dist(points[i - 1], c.at);
          const there = otherAlong + dist(other.points[j - 1], c.at);
          if (here < END_ROOM || total - here < END_ROOM || there < END_ROOM || otherTotal - there < END_ROOM) {
            return undefined;
          }
          if (c.sin < MIN_SINE) {
            return undefined;
          }
          crossings.push({ other, at: c.at, sin: c.sin });
        }
        otherAlong += dist(other.points[j - 1], other.points[j]);
      }
      along += dist(points[i - 1], points[i]);
    }
  }
  return {
    points,
    cost: baseCost(points, costs) + crossings.reduce((n, c) => n + costs.crossing * (2 - c.sin), 0),
    crossings,
  };
}

/** The part of `points` strictly between its ends (1 px in), to test against its own boxes. */
function inner(points: Point[]): Point[] {
  const trim = (from: Point, to: Point): Point => {
    const d = dist(from, to) || 1;
    return [from[0] + (to[0] - from[0]) / d, from[1] + (to[1] - from[1]) / d];
  };
  const out = points.slice();
  out[0] = trim(points[0], points[1]);
  out[out.length - 1] = trim(points[points.length - 1], points[points.length - 2]);
  return out;
}

function clearOfBoxes(points: Point[], own: Box[], foreign: Box[]): boolean {
  const cut = inner(points);
  for (let i = 1; i < points.length; i++) {
    if (foreign.some((b) => segmentHitsBox(points[i - 1], points[i], b, CLEAR))) {
      return false;
    }
    if (own.some((b) => segmentHitsBox(cut[i - 1], cut[i], b, -0.5))) {
      return false;
    }
  }
  // the first and last stretches long enough to show where the arrow leaves and its head
  return dist(points[0], points[1]) >= 3 && dist(points[points.length - 1], points[points.length - 2]) >= 6;
}

/**
 * Routes every edge whose ends are both placed. Forward arrows first (shortest first: the
 * plain neighbours keep their straight lines), then the ways back.
 */
export function routeEdges(
  layout: FlowLayout,
  edges: FlowEdgeDef[],
  /** Other things drawn that no arrow may cross (the notes under states). */
  obstacles: Box[] = []
): { routes: EdgeRoute[]; bridges: Bridge[] } {
  const byId = new Map(layout.nodes.map((b) => [b.node.id, b]));
  const placed = edges.filter((e) => byId.has(e.from) && byId.has(e.to));
  const span = (e: FlowEdgeDef) =>
    dist([byId.get(e.from)!.x, byId.get(e.from)!.y], [byId.get(e.to)!.x, byId.get(e.to)!.y]);
  const order = placed
    .map((e, i) => ({ e, i }))
    .sort((p, q) => Number(!!p.e.back) - Number(!!q.e.back) || span(p.e) - span(q.e) || p.i - q.i);
  const routes = new Map<FlowEdgeDef, EdgeRoute>();
  const bridges: Bridge[] = [];
  for (const { e } of order) {
    const a = byId.get(e.from)!;
    const b = byId.get(e.to)!;
    const foreign: Box[] = [...layout.nodes.filter((n) => n !== a && n !== b), ...obstacles];
    const routed = Array.from(routes.values());
    const unit = (layout.grid.cellW + layout.grid.cellH) / 2;
    const costs: Costs = { bend: 0.2 * unit, crossing: 2 * unit };
    const all = candidates(layout, a, b);
    // best first by length and bends, which crossings only add to: stop once no shorter one is left
    const ranked = all.map((points) => ({ points, base: baseCost(points, costs) })).sort((p, q) => p.base - q.base);
    let best: Scored | undefined;
    for (const c of ranked) {
      if (best && c.base >= best.cost) {
        break;
      }
      if (!clearOfBoxes(c.points, [a, b], foreign)) {
        continue;
      }
      const s = score(c.points, routed, costs);
      if (s && (!best || s.cost < best.cost) && routed.every((r) => !runsAlong(c.points, r.points))) {
        best = s;
      }
    }
    // nothing clear (a panel too small for any gap): the straight line, as before
    best ??= { points: all[0], cost: 0, crossings: [] };
    const route: EdgeRoute = { edge: e, points: best.points };
    routes.set(e, route);
    for (const c of best.crossings) {
      // a forward arrow passes over a way back; between two of a kind, the later drawn one
      const over = c.other.edge.back && !e.back ? route : !c.other.edge.back && e.back ? c.other : route;
      bridges.push({ over, points: stretchAround(over.points, c.at, 5) });
    }
  }
  return { routes: placed.map((e) => routes.get(e)!), bridges };
}

/** The stretch of `points` within `r` of point `at` on it (along its segment holding it). */
function stretchAround(points: Point[], at: Point, r: number): [Point, Point] {
  for (let i = 1; i < points.length; i++) {
    if (distanceToSegment(at, points[i - 1], points[i]) < 0.01) {
      const d = sub(points[i], points[i - 1]);
      const l = Math.hypot(...d) || 1;
      return [
        [at[0] - (d[0] / l) * r, at[1] - (d[1] / l) * r],
        [at[0] + (d[0] / l) * r, at[1] + (d[1] / l) * r],
      ];
    }
  }
  return [at, at];
}

/** Where an arrow's rate goes: the middle of its longest stretch, and that stretch's length. */
export function labelSpot(points: Point[]): { at: Point; room: number } {
  let best = 1;
  for (let i = 2; i < points.length; i++) {
    if (dist(points[i - 1], points[i]) > dist(points[best - 1], points[best])) {
      best = i;
    }
  }
  const [a, b] = [points[best - 1], points[best]];
  return { at: [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2], room: dist(a, b) };
}
