import React, { useMemo, useRef, useState } from 'react';
import { css } from '@emotion/css';
import { LoadingState, type GrafanaTheme2, type PanelProps } from '@grafana/data';
import { PanelDataErrorView } from '@grafana/runtime';
import { LoadingBar, useStyles2 } from '@grafana/ui';

import { flowCounts, flowSystems, queuesWithoutWorkers } from '../flow-counts';
import { flowGraph } from '../flow-model';
import { refreshRates, seriesRates, type CountsSample } from '../flow-rates';
import { logsTargetFor } from '../explore-links';
import { jobRows, rowsForNode, type JobListRow } from '../job-rows';
import { runStateJobs, stateJobsRequest } from '../state-jobs';
import type { FlowOptions } from '../types';
import { AlertTemplatesMenu, panelDatasourceUid } from './AlertTemplatesMenu';
import { FlowDiagram, TOP_BAND } from './FlowDiagram';
import { JobList } from './JobList';

/** Below this width the job list replaces the diagram instead of sitting beside it. */
export const SPLIT_MIN_WIDTH = 640;

interface Listing {
  nodeId: string;
  loading: boolean;
  rows: JobListRow[];
  errors: string[];
}

/**
 * Completed / failed per minute: from a timeseries frame when the panel has one, else from the
 * overview counts of this refresh and the one before (timed by each refresh's range end).
 */
function useRates(data: PanelProps['data'], counts: ReturnType<typeof flowCounts>, queue: string) {
  const at = data.timeRange.to.valueOf();
  const [samples, setSamples] = useState<{ prev?: CountsSample; cur: CountsSample }>({ cur: { at, counts } });
  if (samples.cur.counts !== counts && samples.cur.at !== at) {
    // A new refresh: React's "state from the previous render" pattern, no effect needed.
    setSamples({ prev: samples.cur, cur: { at, counts } });
  }
  return useMemo(
    () => seriesRates(data.series, queue) ?? refreshRates(samples.prev, samples.cur),
    [data.series, queue, samples]
  );
}

/**
 * The job life cycle of the shown queue(s) with counts from the overview frame; clicking a
 * state lists its jobs with the panel's own `jobs` query for that state.
 */
export function FlowPanel({
  data,
  options,
  fieldConfig,
  width,
  height,
  id,
  replaceVariables,
  timeRange,
  timeZone,
}: PanelProps<FlowOptions>) {
  const styles = useStyles2(getStyles);
  const [listing, setListing] = useState<Listing | undefined>();
  const queue = options.queue ? replaceVariables(options.queue) : '';
  const counts = useMemo(() => flowCounts(data.series, queue), [data.series, queue]);
  const systems = useMemo(() => flowSystems(data.series, queue).join(','), [data.series, queue]);
  const graph = useMemo(() => flowGraph(systems ? systems.split(',') : [], counts), [systems, counts]);
  const idleQueues = useMemo(() => queuesWithoutWorkers(data.series, queue), [data.series, queue]);
  const rates = useRates(data, counts, queue);
  const datasourceUid = useMemo(() => panelDatasourceUid(data, replaceVariables), [data, replaceVariables]);
  const logsTarget = useMemo(() => logsTargetFor(datasourceUid), [datasourceUid]);
  const panelRef = useRef<HTMLDivElement>(null);
  const run = useRef(0);
  const showBell = options.showAlertTemplates !== false;
  const alertsMenu = (inline: boolean) =>
    showBell ? (
      <AlertTemplatesMenu
        datasourceUid={datasourceUid}
        queue={queue || undefined}
        systems={graph.systems}
        inline={inline}
        maxHeight={Math.max(160, height - 8)}
      />
    ) : null;

  // A list whose state is gone from the data (another queue, another system) is closed.
  const node = graph.nodes.find((n) => n.id === listing?.nodeId);

  const open = (nodeId: string) => {
    const target = graph.nodes.find((n) => n.id === nodeId);
    if (!target || listing?.nodeId === nodeId) {
      close();
      return;
    }
    const ticket = ++run.current;
    if (!target.jobStates.length || !datasourceUid) {
      setListing({
        nodeId,
        loading: false,
        rows: [],
        errors: datasourceUid ? [] : ['No Jobscope data source in this panel’s queries.'],
      });
      return;
    }
    setListing({ nodeId, loading: true, rows: [], errors: [] });
    const request = stateJobsRequest(data, timeRange, target.jobStates, {
      datasourceUid,
      queue,
      system: graph.systems.length === 1 ? graph.systems[0] : undefined,
    });
    runStateJobs(datasourceUid, request).then(
      (result) => {
        if (run.current === ticket) {
          setListing({
            nodeId,
            loading: false,
            rows: rowsForNode(jobRows(result.frames), target.jobStates, queue),
            errors: result.errors,
          });
        }
      },
      (e: unknown) => {
        if (run.current === ticket) {
          setListing({
            nodeId,
            loading: false,
            rows: [],
            errors: [
              e instanceof Error ? e.message : String((e as { data?: { message?: string } })?.data?.message ?? e),
            ],
          });
        }
      }
    );
  };
  const close = () => {
    const was = listing?.nodeId;
    run.current++;
    setListing(undefined);
    // Back to the node the list was opened from.
    window.setTimeout(
      () => panelRef.current?.querySelector<SVGGElement>(`[data-testid="jobscope-flow-node-${was}"]`)?.focus(),
      0
    );
  };

  if (Object.keys(counts).length === 0) {
    if (data.state === LoadingState.Loading || data.state === LoadingState.NotStarted) {
      // Grafana's panel loading bar (what the panel chrome shows), no "no data" while the query runs.
      return (
        <div className={styles.loading} style={{ width, height }} data-testid="jobscope-flow-loading">
          <LoadingBar width={width} ariaLabel="Loading the job flow" />
          <span className={styles.loadingText}>Loading…</span>
        </div>
      );
    }
    const error = data.errors?.[0];
    return (
      <div
        className={styles.centre}
        style={{ width, height }}
        data-testid={error ? 'jobscope-flow-error' : 'jobscope-flow-empty'}
      >
        <PanelDataErrorView
          panelId={id}
          data={data}
          fieldConfig={fieldConfig}
          needsNumberField
          message={
            error ? error.message : queue && data.series.length ? `No overview data for queue ${queue}` : undefined
          }
        />
      </div>
    );
  }

  const diagramWidth = !node ? width : width >= SPLIT_MIN_WIDTH ? Math.floor(width * 0.55) : 0;
  // A state whose jobs the store does not keep (a counter, a broker's acked messages): say what it is.
  const unlistable = node && !node.jobStates.length ? `${node.description} No jobs to list here.` : undefined;

  return (
    <div ref={panelRef} className={styles.panel} style={{ width, height }}>
      {diagramWidth > 0 && (
        <FlowDiagram
          graph={graph}
          counts={counts}
          rates={rates}
          width={diagramWidth}
          height={height}
          idleQueues={idleQueues}
          thresholds={fieldConfig.defaults.thresholds}
          selected={node?.id}
          label={queue ? `Job flow for queue ${queue}` : 'Job flow for all queues'}
          markerId={`jobscope-flow-arrow-${id}`}
          bell={showBell && !node}
          onSelect={open}
        />
      )}
      {node && listing && (
        <JobList
          key={node.id}
          title={node.label}
          jobs={listing.rows}
          total={counts && node.metrics.length ? node.metrics.reduce((a, m) => a + (counts[m] ?? 0), 0) : undefined}
          loading={listing.loading}
          errors={listing.errors}
          unlistable={unlistable}
          showQueue={!queue}
          width={width - diagramWidth}
          height={height}
          timeZone={timeZone}
          onClose={close}
          logsTarget={logsTarget}
          actions={alertsMenu(true)}
        />
      )}
      {/* With the job list open, the bell sits in the list's header beside its close button. */}
      {!node && showBell && (
        <div className={styles.corner} style={{ height: TOP_BAND }}>
          {alertsMenu(false)}
        </div>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  panel: css({ display: 'flex', overflow: 'hidden', position: 'relative' }),
  centre: css({
    position: 'relative',
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    overflow: 'hidden',
  }),
  loading: css({
    position: 'relative',
    overflow: 'hidden',
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
  }),
  loadingText: css({ color: theme.colors.text.secondary }),
  corner: css({ position: 'absolute', top: 0, right: theme.spacing(0.5), display: 'flex', alignItems: 'center' }),
});
