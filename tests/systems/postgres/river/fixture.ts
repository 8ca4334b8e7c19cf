/**
 * Builds (once, cached in tests/systems/postgres/river/bin/) and runs the Go program that
 * drives real River v0.51.1 (main.go): `go build -o bin/river-fixture .` in this folder.
 */
import { execFileSync } from 'child_process';
import { existsSync, statSync } from 'fs';
import { join } from 'path';

const DIR = __dirname;
export const RIVER_FIXTURE = join(DIR, 'bin', 'river-fixture');

export function buildRiverFixture(): string {
  const fresh = existsSync(RIVER_FIXTURE) && statSync(RIVER_FIXTURE).mtimeMs >= statSync(join(DIR, 'main.go')).mtimeMs;
  if (!fresh) {
    execFileSync('go', ['build', '-o', 'bin/river-fixture', '.'], { cwd: DIR, stdio: 'pipe', timeout: 300_000 });
  }
  return RIVER_FIXTURE;
}

export interface RiverView {
  schema: string;
  migrated: number[];
  counts: Record<string, Record<string, number>>;
  ids: Record<string, number>;
  boom1Errors: Array<{ at: string; attempt: number; error: string; trace: string }>;
  boom1FinalizedAt: string;
  reportsPausedAt: string | null;
  clientId: string;
}

/** Runs River against `url` in `schema`; returns River's own view of the state it left. */
export function runRiverFixture(url: string, schema: string): RiverView {
  const out = execFileSync(buildRiverFixture(), ['-url', url, '-schema', schema], {
    encoding: 'utf8',
    timeout: 90_000,
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}
