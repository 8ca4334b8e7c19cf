import { AppPlugin } from '@grafana/data';

import { AppOverview } from './components/AppOverview';

/** The app only bundles the data source, the panel and the dashboards; it has no pages of its own. */
export const plugin = new AppPlugin<{}>().addConfigPage({
  title: 'Overview',
  icon: 'info-circle',
  id: 'overview',
  body: AppOverview,
});
