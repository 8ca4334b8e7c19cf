import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, PanelProps } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

import { flowCounts, flowSystems, queuesWithoutWorkers } from '../flow-counts';
import { familyOf, flowGraph } from '../flow-model';
import { logsTargetFor } from '../explore-links';
import { isJobsFrame, jobRows, rowsForNode } from '../job-rows';
import type { FlowOptions } from '../types';
import { AlertTemplatesMenu, panelDatasourceUid } from './AlertTemplatesMenu';
import { FlowDiagram } from './FlowDiagram';
import { JobList } from './JobList';

/** Below this width the job list replaces the diagram instead of sitting beside it. */
export const SPLIT_MIN_WIDTH = 640;

/**
 * The job life cycle of the shown queue(s) with counts from the overview frame; clicking a
 * state lists its jobs from a `jobs` frame in the same panel data.
 */
export function FlowPanel({ data, options, fieldConfig, width, height, id, replaceVariables }: PanelProps<FlowOptions>) {
  const styles = useStyles2(getStyles);
  const [selected, setSelected] = useState<string | undefined>();
  const queue = options.queue;
  const counts = useMemo(() => flowCounts(data.series, queue), [data.series, queue]);
  const systems = useMemo(() => flowSystems(data.series, queue).join(','), [data.series, queue]);
  const graph = useMemo(() => flowGraph(familyOf(systems ? systems.split(',') : []), counts), [systems, counts]);
  const idleQueues = useMemo(() => queuesWithoutWorkers(data.series, queue), [data.series, queue]);
  const rows = useMemo(() => jobRows(data.series), [data.series]);
  const hasJobsFrame = data.series.some(isJobsFrame);
  const datasourceUid = useMemo(() => panelDatasourceUid(data, replaceVariables), [data, replaceVariables]);
  const logsTarget = useMemo(() => logsTargetFor(datasourceUid), [datasourceUid]);
  const alertsMenu = (inline: boolean) =>
    options.showAlertTemplates === false ? null : (
      <AlertTemplatesMenu datasourceUid={datasourceUid} queue={queue ? replaceVariables(queue) : undefined} inline={inline} />
    );
  const alerts = alertsMenu(false);

  if (Object.keys(counts).length === 0) {
    return (
      <div data-testid="jobscope-flow-empty" className={styles.empty} style={{ width, height }}>
        {queue ? `No overview data for queue ${queue}` : 'No overview data'}
        {alerts}
      </div>
    );
  }

  const node = graph.nodes.find((n) => n.id === selected);
  const diagramWidth = !node ? width : width >= SPLIT_MIN_WIDTH ? Math.floor(width * 0.55) : 0;
  const toggle = (nodeId: string) => setSelected((s) => (s === nodeId ? undefined : nodeId));

  return (
    <div className={styles.panel} style={{ width, height }}>
      {diagramWidth > 0 && (
        <FlowDiagram
          graph={graph}
          counts={counts}
          width={diagramWidth}
          height={height}
          idleQueues={idleQueues}
          thresholds={fieldConfig.defaults.thresholds}
          selected={selected}
          label={queue ? `Job flow for queue ${queue}` : 'Job flow for all queues'}
          markerId={`jobscope-flow-arrow-${id}`}
          onSelect={toggle}
        />
      )}
      {node && (
        <JobList
          key={node.id}
          title={node.label}
          jobs={rowsForNode(rows, node.states, queue)}
          hasJobsFrame={hasJobsFrame}
          states={node.states}
          showQueue={!queue}
          width={width - diagramWidth}
          height={height}
          onClose={() => setSelected(undefined)}
          logsTarget={logsTarget}
          actions={alertsMenu(true)}
        />
      )}
      {/* With the job list open, the bell sits in the list's header beside its close button. */}
      {!node && alerts}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  panel: css({ display: 'flex', overflow: 'hidden', position: 'relative' }),
  empty: css({ position: 'relative', display: 'flex', alignItems: 'center', justifyContent: 'center', color: theme.colors.text.secondary }),
});
