/**
 * Extends create-plugin's generated config (.config/, left untouched) for Jobscope's nested
 * plugins: the app bundles the data source (src/datasource) and the flow panel (src/panel).
 *
 * The app's plugin.json has one source, /plugin.json at the top level. create-plugin's tooling
 * reads it from src/plugin.json (the root plugin's id, logos, screenshots, the entry glob), so
 * it is written there before that config is loaded; src/plugin.json is git-ignored.
 *
 * create-plugin already makes one entry per src/**\/plugin.json with a sibling module.ts(x)
 * and copies every src/**\/*.json; it only copies the root plugin's logos, so the nested
 * plugins' img/ folders are copied here.
 */
import CopyWebpackPlugin from 'copy-webpack-plugin';
import { createHash } from 'crypto';
import fs from 'fs';
import path from 'path';
import type { Configuration } from 'webpack';
import { merge } from 'webpack-merge';

import type { Env } from './.config/webpack/webpack.config';

/** Copies /plugin.json to src/plugin.json when it differs (keeps watch mode from rebuilding for nothing). */
function placeAppPluginJson(): void {
  const source = path.resolve(__dirname, 'plugin.json');
  const target = path.resolve(__dirname, 'src', 'plugin.json');
  const text = fs.readFileSync(source, 'utf8');
  JSON.parse(text); // a broken plugin.json stops the build here, naming the file
  if (!fs.existsSync(target) || fs.readFileSync(target, 'utf8') !== text) {
    fs.writeFileSync(target, text);
  }
}

const config = async (env: Env): Promise<Configuration> => {
  placeAppPluginJson();
  // Loaded only now: create-plugin's config reads src/plugin.json as it is imported.
  const { default: grafanaConfig } = await import('./.config/webpack/webpack.config');
  const baseConfig = await grafanaConfig(env);
  return merge(baseConfig, {
    // The filesystem cache lives in node_modules/.cache; checkouts sharing one node_modules
    // (worktrees) would read each other's copied files (a stale plugin.json), so each
    // checkout gets a cache of its own.
    cache: {
      type: 'filesystem',
      name: `${env.production ? 'production' : 'development'}-${createHash('sha256').update(__dirname).digest('hex').slice(0, 12)}`,
    },
    plugins: [
      new CopyWebpackPlugin({
        patterns: [{ from: '*/img/*', to: '.', noErrorOnMissing: false }],
      }),
    ],
  });
};

export default config;
