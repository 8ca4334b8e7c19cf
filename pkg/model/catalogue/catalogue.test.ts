import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { JOB_STATES, OVERVIEW_METRICS, SYSTEMS } from '../query';
import { CATALOGUE, descriptorOf, METRIC_DEFINITIONS, systemsOfKind } from './index';

describe('the catalogue of job systems', () => {
  it('has one descriptor per system of the query model, and no other', () => {
    const ids = CATALOGUE.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...SYSTEMS].sort());
    for (const id of SYSTEMS) {
      expect(descriptorOf(id)?.id).toBe(id);
    }
    expect(descriptorOf('no-such-system')).toBeUndefined();
  });

  it('groups systems by kind, Redis and PostgreSQL holding several', () => {
    expect(systemsOfKind('redis').map((d) => d.id)).toEqual(['bullmq', 'bull', 'sidekiq', 'celery', 'rq']);
    expect(systemsOfKind('postgres')).toHaveLength(7);
    expect(systemsOfKind('kafka').map((d) => d.id)).toEqual(['kafka']);
    // Grouped: once a kind ends, it does not come back.
    const kinds = CATALOGUE.map((d) => d.kind).filter((k, i, all) => i === 0 || all[i - 1] !== k);
    expect(new Set(kinds).size).toBe(kinds.length);
  });

  it('defines every overview metric once, with a label, a description and a unit', () => {
    expect(Object.keys(METRIC_DEFINITIONS).sort()).toEqual([...OVERVIEW_METRICS].sort());
    for (const def of Object.values(METRIC_DEFINITIONS)) {
      expect(def.label).not.toBe('');
      expect(def.description).not.toBe('');
      expect(['none', 's', 'percentunit', 'bool']).toContain(def.unit);
    }
  });

  it('is pure data the frontend can compile: it imports only itself and the query model (pkg/model/query.ts)', () => {
    const sources = readdirSync(__dirname).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(sources).toContain('index.ts');
    for (const file of sources) {
      const text = readFileSync(join(__dirname, file), 'utf8');
      const imported = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      imported.forEach((spec) =>
        expect([file, spec]).toEqual([file, expect.stringMatching(/^(\.\/[a-z-]+|\.\.\/query)$/)])
      );
    }
  });

  describe.each(CATALOGUE.map((d) => [d.id, d] as const))('%s', (_id, d) => {
    const metrics = Object.keys(d.metrics);
    const stateIds = d.lifecycle.states.map((s) => s.id);

    it('returns only overview metrics, each with its meaning here', () => {
      expect(metrics.length).toBeGreaterThan(0);
      for (const [metric, meaning] of Object.entries(d.metrics)) {
        expect(OVERVIEW_METRICS).toContain(metric);
        expect(meaning).not.toBe('');
      }
    });

    it('lists only job states of the query model, the default among them', () => {
      expect(new Set(d.jobStates).size).toBe(d.jobStates.length);
      d.jobStates.forEach((s) => expect(JOB_STATES).toContain(s));
      expect(d.jobStates).toContain(d.defaultJobState);
    });

    it('draws states that sum its metrics and list its job states', () => {
      expect(new Set(stateIds).size).toBe(stateIds.length);
      for (const s of d.lifecycle.states) {
        s.metrics.forEach((m) => expect(metrics).toContain(m));
        s.jobStates.forEach((j) => expect(d.jobStates).toContain(j));
        expect(s.label).not.toBe('');
        expect(s.description).not.toBe('');
        expect(Number.isInteger(s.step) && s.step >= 0).toBe(true);
      }
    });

    it('lets every listable job state be reached from a state of its life cycle', () => {
      const reachable = new Set(d.lifecycle.states.flatMap((s) => s.jobStates));
      d.jobStates.forEach((j) => expect(reachable).toContain(j));
    });

    it('puts no two states in one cell of the grid', () => {
      const cells = d.lifecycle.states.map((s) => `${s.step}/${s.lane}`);
      expect(new Set(cells).size).toBe(cells.length);
    });

    it('joins existing states, each state on some transition', () => {
      for (const t of d.lifecycle.transitions) {
        expect(stateIds).toContain(t.from);
        expect(stateIds).toContain(t.to);
        expect(t.from).not.toBe(t.to);
      }
      const joined = new Set(d.lifecycle.transitions.flatMap((t) => [t.from, t.to]));
      stateIds.forEach((id) => expect(joined).toContain(id));
    });

    it('measures an edge only with a series it can answer', () => {
      const rated = d.lifecycle.transitions.filter((t) => t.rate);
      if (d.capabilities.throughput === 'none') {
        expect(rated).toEqual([]);
      } else {
        expect(rated.length).toBeGreaterThan(0);
      }
    });

    it('reports shared values only for metrics it returns', () => {
      d.sharedValues?.metrics.forEach((m) => expect(metrics).toContain(m));
    });
  });
});
