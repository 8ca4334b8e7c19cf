/**
 * Extends create-plugin's generated config (.config/, left untouched) for Jobscope's nested
 * plugins: the app (src/plugin.json) bundles the data source (src/datasource) and the flow
 * panel (src/panel). create-plugin already makes one entry per src/**\/plugin.json with a
 * sibling module.ts(x) and copies every src/**\/*.json; it only copies the root plugin's
 * logos, so the nested plugins' img/ folders are copied here.
 */
import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';
import { merge } from 'webpack-merge';

import grafanaConfig, { type Env } from './.config/webpack/webpack.config';

const config = async (env: Env): Promise<Configuration> => {
  const baseConfig = await grafanaConfig(env);
  return merge(baseConfig, {
    plugins: [
      new CopyWebpackPlugin({
        patterns: [{ from: '*/img/*', to: '.', noErrorOnMissing: false }],
      }),
    ],
  });
};

export default config;
