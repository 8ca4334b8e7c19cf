/**
 * The ready-made Jobscope alert rules, generated for one queue or for all queues. One source
 * for both outputs: Grafana's alert rule form (`/alerting/new/alerting?defaults=…`) and the
 * file-provisioning YAML (provisioning/alerting/jobscope-rules.yaml is this module's output for
 * all queues and the provisioned data source; a test keeps the two equal).
 *
 * Each rule queries the data source with the shared query model (pkg/model/query.ts) and decides
 * with server-side expressions (reduce / math / threshold, datasourceUid `__expr__`). Overview
 * values are labelled {system, queue} (plus metric with several metrics): one alert instance a
 * queue and value.
 */
import type { OverviewMetric, QueryType } from '../../pkg/model/query';

export const EXPRESSION_UID = '__expr__';
export const PROVISIONED_DATASOURCE_UID = 'jobscope-redis';
export const RULE_GROUP = { orgId: 1, name: 'jobscope-queues', folder: 'Jobscope', interval: '1m' } as const;

export type TemplateId = 'dlq-not-empty' | 'oldest-wait' | 'failure-ratio' | 'stalled' | 'no-worker' | 'no-completions';

export interface TemplateParams {
  /** Oldest waiting job older than this many seconds. */
  oldestWaitSeconds: number;
  /** Failure ratio above this percentage. */
  failureRatioPercent: number;
  /** No completion in this many seconds. */
  completionWindowSeconds: number;
}

export const DEFAULT_PARAMS: TemplateParams = {
  oldestWaitSeconds: 300,
  failureRatioPercent: 5,
  completionWindowSeconds: 900,
};

export interface RelativeTimeRange {
  from: number;
  to: number;
}

export interface DataSourceModel {
  refId: string;
  queryType: QueryType;
  metrics: OverviewMetric[];
  queues?: string[];
}

export interface ExpressionModel {
  refId: string;
  type: 'reduce' | 'math' | 'threshold';
  expression: string;
  reducer?: 'last' | 'sum';
  settings?: { mode: 'dropNN' };
  conditions?: Array<{ evaluator: { type: 'gt' | 'lt'; params: number[] } }>;
}

export interface RuleQuery {
  refId: string;
  relativeTimeRange?: RelativeTimeRange;
  datasourceUid: string;
  model: DataSourceModel | ExpressionModel;
}

/** A rule in Grafana's file-provisioning format (alerting `groups[].rules[]`). */
export interface ProvisionedRule {
  uid: string;
  title: string;
  condition: string;
  data: RuleQuery[];
  noDataState: 'OK' | 'NoData' | 'Alerting';
  execErrState: 'Error' | 'Alerting' | 'OK';
  for: string;
  annotations: { summary: string; description: string };
  labels: Record<string, string>;
  isPaused: boolean;
}

export interface RuleTarget {
  datasourceUid: string;
  /** One queue (or glob); absent means all queues. */
  queue?: string;
  params?: Partial<TemplateParams>;
}

export interface AlertTemplate {
  id: TemplateId;
  /** Menu label, with the thresholds filled in. */
  title: (p: TemplateParams) => string;
  build: (ctx: BuildContext) => Omit<ProvisionedRule, 'uid' | 'title' | 'execErrState' | 'labels' | 'isPaused'> & {
    severity?: string;
  };
}

interface BuildContext {
  p: TemplateParams;
  /** A data source query (refId A or B) for the given query type and metrics, over `from` seconds. */
  ds: (refId: string, metrics: OverviewMetric[], queryType?: QueryType, from?: number) => RuleQuery;
}

/** "5 minutes", "1 hour", "45 seconds". */
export function humanDuration(seconds: number): string {
  const [n, unit] =
    seconds % 3600 === 0 && seconds >= 3600
      ? [seconds / 3600, 'hour']
      : seconds % 60 === 0 && seconds >= 60
        ? [seconds / 60, 'minute']
        : [seconds, 'second'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

const reduce = (refId: string, expression: string, reducer: 'last' | 'sum'): RuleQuery => ({
  refId,
  datasourceUid: EXPRESSION_UID,
  model: { refId, type: 'reduce', expression, reducer, settings: { mode: 'dropNN' } },
});

const math = (refId: string, expression: string): RuleQuery => ({
  refId,
  datasourceUid: EXPRESSION_UID,
  model: { refId, type: 'math', expression },
});

const threshold = (refId: string, expression: string, type: 'gt' | 'lt', value: number): RuleQuery => ({
  refId,
  datasourceUid: EXPRESSION_UID,
  model: { refId, type: 'threshold', expression, conditions: [{ evaluator: { type, params: [value] } }] },
});

export const ALERT_TEMPLATES: readonly AlertTemplate[] = [
  {
    id: 'dlq-not-empty',
    title: () => 'DLQ not empty',
    build: ({ ds }) => ({
      condition: 'C',
      data: [ds('A', ['dead', 'failed']), reduce('B', 'A', 'last'), threshold('C', 'B', 'gt', 0)],
      noDataState: 'OK',
      for: '5m',
      annotations: {
        summary: '{{ $labels.queue }} ({{ $labels.system }}) holds {{ $values.B }} {{ $labels.metric }} jobs',
        description:
          'Jobs that failed or were given up on are waiting for someone. Open the Failures & DLQ dashboard for reasons, payloads and traces.',
      },
    }),
  },
  {
    id: 'oldest-wait',
    title: (p) => `Oldest waiting job older than ${humanDuration(p.oldestWaitSeconds)}`,
    build: ({ ds, p }) => ({
      condition: 'C',
      data: [
        ds('A', ['oldest_wait_seconds']),
        reduce('B', 'A', 'last'),
        threshold('C', 'B', 'gt', p.oldestWaitSeconds),
      ],
      noDataState: 'OK',
      for: '5m',
      annotations: {
        summary: '{{ $labels.queue }}: the oldest waiting job has waited {{ humanizeDuration $values.B.Value }}',
        description: `Workers do not keep up with the queue, or none is running. Threshold: ${p.oldestWaitSeconds} s.`,
      },
    }),
  },
  {
    id: 'failure-ratio',
    title: (p) => `Failure ratio above ${p.failureRatioPercent} %`,
    build: ({ ds, p }) => ({
      condition: 'D',
      data: [
        ds('A', ['failed']),
        ds('B', ['completed']),
        math('C', '$A / ($A + $B) * 100'),
        threshold('D', 'C', 'gt', p.failureRatioPercent),
      ],
      noDataState: 'OK',
      for: '5m',
      annotations: {
        summary: '{{ $labels.queue }}: {{ printf "%.1f" $values.C.Value }} % of finished jobs failed',
        description:
          'failed / (completed + failed) over the jobs the store keeps, per queue: a query for one metric carries only the labels {system, queue}, so the math expression pairs A and B queue by queue.',
      },
    }),
  },
  {
    id: 'stalled',
    title: () => 'Stalled jobs',
    build: ({ ds }) => ({
      condition: 'C',
      data: [ds('A', ['stalled']), reduce('B', 'A', 'last'), threshold('C', 'B', 'gt', 0)],
      noDataState: 'OK',
      for: '5m',
      annotations: {
        summary: '{{ $labels.queue }}: {{ $values.B }} active jobs lost their worker',
        description:
          'An active job whose lock expired: its worker died or hangs. The stalled checker will retry or fail it.',
      },
    }),
  },
  {
    id: 'no-worker',
    title: () => 'Work waiting and no live worker',
    build: ({ ds }) => ({
      condition: 'D',
      data: [ds('A', ['wait']), ds('B', ['workers']), math('C', '$A > 0 && $B == 0'), threshold('D', 'C', 'gt', 0)],
      noDataState: 'OK',
      for: '2m',
      severity: 'critical',
      annotations: {
        summary: '{{ $labels.queue }} has {{ $values.A }} waiting jobs and no live worker',
        description: 'Nothing serves the queue: start or fix its workers.',
      },
    }),
  },
  {
    id: 'no-completions',
    title: (p) => `No completions in ${humanDuration(p.completionWindowSeconds)}`,
    build: ({ ds, p }) => ({
      condition: 'C',
      data: [
        ds('A', ['completed'], 'timeseries', p.completionWindowSeconds),
        reduce('B', 'A', 'sum'),
        threshold('C', 'B', 'lt', 1),
      ],
      noDataState: 'Alerting',
      for: '0s',
      annotations: {
        summary: `{{ $labels.queue }}: no job completed in the last ${humanDuration(p.completionWindowSeconds)}`,
        description: 'The missed heartbeat: a queue that normally completes work went quiet.',
      },
    }),
  },
];

/** Grafana rule uids: at most 40 characters of [A-Za-z0-9_-]. */
export function ruleUid(id: TemplateId, queue?: string): string {
  const base = `jobscope-${id}`;
  if (!queue) {
    return base;
  }
  const slug =
    queue
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'q';
  const uid = `${base}-${slug}`;
  if (uid.length <= 40 && slug === queue) {
    return uid;
  }
  // Different queues may share a slug (`a.b`, `a-b`): a hash of the exact name keeps them apart.
  const hash = fnv1a(queue).toString(36).padStart(7, '0').slice(0, 7);
  return `${uid.slice(0, 40 - hash.length - 1)}-${hash}`;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** One template as a provisioned rule for a queue (or all queues). */
export function buildRule(template: AlertTemplate, target: RuleTarget): ProvisionedRule {
  const p = { ...DEFAULT_PARAMS, ...target.params };
  const ds: BuildContext['ds'] = (refId, metrics, queryType = 'overview', from = 600) => ({
    refId,
    relativeTimeRange: { from, to: 0 },
    datasourceUid: target.datasourceUid,
    model: { refId, queryType, metrics, ...(target.queue ? { queues: [target.queue] } : {}) },
  });
  const { severity = 'warning', ...rest } = template.build({ p, ds });
  const title = template.title(p);
  return {
    uid: ruleUid(template.id, target.queue),
    title: target.queue ? `${title}: ${target.queue}` : title,
    condition: rest.condition,
    data: rest.data,
    noDataState: rest.noDataState,
    execErrState: 'Error',
    for: rest.for,
    annotations: rest.annotations,
    labels: { severity, source: 'jobscope' },
    isPaused: false,
  };
}

export function buildRules(target: RuleTarget): ProvisionedRule[] {
  return ALERT_TEMPLATES.map((t) => buildRule(t, target));
}

/** The data source type of Jobscope queries (src/datasource/plugin.json). */
export const DATASOURCE_TYPE = 'jobscope-queues-datasource';

/**
 * The values Grafana's alert rule form takes from `?defaults=` (a JSON RuleFormValues), checked
 * against grafana/grafana, Grafana 10.4 to 12:
 * - route `/alerting/new/:type?` (public/app/features/alerting/routes.tsx), `alerting` being
 *   the Grafana-managed alert rule (translateRouteParamToRuleType in
 *   public/app/features/alerting/unified/rule-editor/formDefaults.ts);
 * - `defaults` read by useDefaultsFromQuery (…/unified/RuleEditor.tsx, later
 *   …/unified/rule-editor/RuleEditor.tsx) and merged over the form's defaults by
 *   formValuesFromQueryParams (…/unified/rule-editor/formDefaults.ts) with JSON.parse, no schema;
 * - field names from RuleFormValues (…/unified/types/rule-form.ts): name, queries (AlertQuery:
 *   refId, queryType, relativeTimeRange, datasourceUid, model), condition, noDataState,
 *   execErrState, evaluateFor, annotations and labels as [{key, value}].
 * `type` is left out: RuleFormType.grafana is 'grafana' in 10.4 and 'grafana-alerting' from 11,
 * and 11+ let a `type` in the JSON override the route's, so the route alone says which form.
 * Query models carry their `datasource` and thresholds the full classic condition shape, as the
 * form itself writes them (navigateToAlertFormSchema in
 * public/app/features/plugins/components/restrictedGrafanaApis/alerting/alertingSchemaApi.ts).
 */
export interface RuleFormValues {
  name: string;
  queries: Array<Omit<RuleQuery, 'model'> & { queryType: string; model: Record<string, unknown> }>;
  condition: string;
  noDataState: ProvisionedRule['noDataState'];
  execErrState: ProvisionedRule['execErrState'];
  evaluateFor: string;
  annotations: Array<{ key: string; value: string }>;
  labels: Array<{ key: string; value: string }>;
}

function formModel(q: RuleQuery): Record<string, unknown> {
  if (q.datasourceUid !== EXPRESSION_UID) {
    return { ...q.model, datasource: { type: DATASOURCE_TYPE, uid: q.datasourceUid } };
  }
  const model = q.model as ExpressionModel;
  return {
    ...model,
    datasource: { type: EXPRESSION_UID, uid: EXPRESSION_UID },
    ...(model.conditions
      ? {
          conditions: model.conditions.map((c) => ({
            type: 'query',
            evaluator: c.evaluator,
            operator: { type: 'and' },
            query: { params: [model.refId] },
            reducer: { params: [], type: 'last' },
          })),
        }
      : {}),
  };
}

export function ruleFormValues(rule: ProvisionedRule): RuleFormValues {
  return {
    name: rule.title,
    queries: rule.data.map((q) => ({ ...q, queryType: '', model: formModel(q) })),
    condition: rule.condition,
    noDataState: rule.noDataState,
    execErrState: rule.execErrState,
    evaluateFor: rule.for,
    annotations: Object.entries(rule.annotations).map(([key, value]) => ({ key, value })),
    labels: Object.entries(rule.labels).map(([key, value]) => ({ key, value })),
  };
}

/** Grafana's new-rule form, pre-filled with the rule; `appSubUrl` when Grafana is served under a path. */
export function alertFormUrl(rule: ProvisionedRule, appSubUrl = ''): string {
  return `${appSubUrl}/alerting/new/alerting?defaults=${encodeURIComponent(JSON.stringify(ruleFormValues(rule)))}`;
}

// --- YAML -------------------------------------------------------------------------------------

type Yaml = string | number | boolean | null | undefined | Yaml[] | { [key: string]: Yaml };

const PLAIN = /^[A-Za-z_][A-Za-z0-9_.\-/ ]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|y|n|~)$/i;

function scalar(value: string | number | boolean | null): string {
  if (typeof value === 'string') {
    return PLAIN.test(value) && !RESERVED.test(value) && !value.endsWith(' ') ? value : JSON.stringify(value);
  }
  return value === null ? 'null' : String(value);
}

/** A small YAML writer for plain data (JSON-quoted strings where needed; JSON strings are valid YAML). */
export function toYaml(value: Yaml, indent = 0): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) {
      return `${pad}[]\n`;
    }
    return value
      .map((item) => {
        if (item !== null && typeof item === 'object') {
          const body = toYaml(item, indent + 2);
          return `${pad}- ${body.slice(indent + 2)}`;
        }
        return `${pad}- ${scalar(item as string)}\n`;
      })
      .join('');
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) {
      return `${pad}{}\n`;
    }
    return entries
      .map(([key, v]) => {
        const k = scalar(key);
        if (v !== null && typeof v === 'object' && (!Array.isArray(v) || v.length > 0) && Object.keys(v).length > 0) {
          return `${pad}${k}:\n${toYaml(v, indent + 2)}`;
        }
        if (v !== null && typeof v === 'object') {
          return `${pad}${k}: ${Array.isArray(v) ? '[]' : '{}'}\n`;
        }
        return `${pad}${k}: ${scalar(v as string)}\n`;
      })
      .join('');
  }
  return `${pad}${scalar(value as string)}\n`;
}

/** A provisioning file (alerting, apiVersion 1) holding the given rules in the Jobscope group. */
export function provisioningYaml(rules: ProvisionedRule[]): string {
  const doc = {
    apiVersion: 1,
    groups: [{ ...RULE_GROUP, rules }],
  };
  return (
    '# Grafana alert rules for Jobscope (file provisioning, Grafana 10.4+): put this file in\n' +
    '# <provisioning>/alerting/ and restart Grafana, or merge its rules into an existing group.\n' +
    toYaml(doc as unknown as Yaml)
  );
}
