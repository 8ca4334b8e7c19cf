import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import type { JobscopeOptions, JobscopeQuery, JobscopeSecureSettings } from './types';

export const plugin = new DataSourcePlugin<DataSource, JobscopeQuery, JobscopeOptions, JobscopeSecureSettings>(
  DataSource
)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
