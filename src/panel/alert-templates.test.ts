import { readFileSync } from 'fs';
import { join } from 'path';
import { load } from 'js-yaml';

import {
  ALERT_TEMPLATES,
  PROVISIONED_DATASOURCE_UID,
  RULE_GROUP,
  alertFormUrl,
  buildRule,
  buildRules,
  humanDuration,
  provisioningYaml,
  ruleUid,
} from './alert-templates';

const FILE = join(__dirname, '../../provisioning/alerting/jobscope-rules.yaml');

describe('alert templates', () => {
  it('produce exactly the provisioned rules for all queues', () => {
    const file = load(readFileSync(FILE, 'utf8')) as { apiVersion: number; groups: Array<Record<string, unknown>> };
    expect(file.apiVersion).toBe(1);
    expect(file.groups).toHaveLength(1);
    const { rules, ...group } = file.groups[0];
    expect(group).toEqual(RULE_GROUP);
    expect(rules).toEqual(buildRules({ datasourceUid: PROVISIONED_DATASOURCE_UID }));
  });

  it('writes YAML that parses back to the same rules', () => {
    const rules = buildRules({ datasourceUid: 'ds1', queue: 'mail.*' });
    const yaml = provisioningYaml(rules);
    expect(yaml).toContain('mail.*');
    expect(load(yaml)).toEqual({ apiVersion: 1, groups: [{ ...RULE_GROUP, rules }] });
  });

  it('restrict every data source query to the chosen queue', () => {
    for (const rule of buildRules({ datasourceUid: 'ds1', queue: 'emails' })) {
      const dsQueries = rule.data.filter((q) => q.datasourceUid === 'ds1');
      expect(dsQueries.length).toBeGreaterThan(0);
      dsQueries.forEach((q) => expect(q.model).toMatchObject({ queues: ['emails'] }));
      expect(rule.title).toMatch(/: emails$/);
    }
  });

  it('fill in thresholds', () => {
    const [, oldest, ratio, , , quiet] = ALERT_TEMPLATES;
    const params = { oldestWaitSeconds: 3600, failureRatioPercent: 12, completionWindowSeconds: 1800 };
    expect(buildRule(oldest, { datasourceUid: 'x', params }).title).toBe('Oldest waiting job older than 1 hour');
    const r = buildRule(ratio, { datasourceUid: 'x', params });
    expect(r.data[3].model).toMatchObject({ conditions: [{ evaluator: { type: 'gt', params: [12] } }] });
    const q = buildRule(quiet, { datasourceUid: 'x', params });
    expect(q.data[0].relativeTimeRange).toEqual({ from: 1800, to: 0 });
    expect(humanDuration(45)).toBe('45 seconds');
    expect(humanDuration(60)).toBe('1 minute');
  });

  it('make valid, distinct uids for any queue name', () => {
    const a = ruleUid('no-completions', 'a.b');
    const b = ruleUid('no-completions', 'a-b');
    const long = ruleUid('no-completions', 'x'.repeat(100));
    for (const uid of [a, b, long]) {
      expect(uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    }
    expect(a).not.toBe(b);
    expect(ruleUid('stalled', 'emails')).toBe('jobscope-stalled-emails');
  });

  it('link to the alert rule form with the rule as defaults', () => {
    const rule = buildRule(ALERT_TEMPLATES[0], { datasourceUid: 'ds1', queue: 'emails' });
    const url = alertFormUrl(rule, '/grafana');
    expect(url.startsWith('/grafana/alerting/new/alerting?defaults=')).toBe(true);
    const values = JSON.parse(decodeURIComponent(url.split('defaults=')[1]));
    expect(values).toMatchObject({
      name: 'DLQ not empty: emails',
      condition: 'C',
      evaluateFor: '5m',
      noDataState: 'OK',
      execErrState: 'Error',
    });
    // the route chooses the form: a `type` here would override it in Grafana 11+ and differs between 10.4 and 11
    expect(values).not.toHaveProperty('type');
    expect(values.queries[0]).toEqual({
      refId: 'A',
      queryType: '',
      datasourceUid: 'ds1',
      relativeTimeRange: { from: 600, to: 0 },
      model: {
        refId: 'A',
        queryType: 'overview',
        metrics: ['dead', 'failed'],
        queues: ['emails'],
        datasource: { type: 'jobscope-queues-datasource', uid: 'ds1' },
      },
    });
    expect(values.queries[1]).toMatchObject({ datasourceUid: '__expr__', model: { type: 'reduce', expression: 'A' } });
    expect(values.queries[2].model.conditions[0]).toEqual({
      type: 'query',
      evaluator: { type: 'gt', params: [0] },
      operator: { type: 'and' },
      query: { params: ['C'] },
      reducer: { params: [], type: 'last' },
    });
    // RuleFormValues field names of Grafana's form (public/app/features/alerting/unified/types/rule-form.ts)
    expect(Object.keys(values).sort()).toEqual([
      'annotations',
      'condition',
      'evaluateFor',
      'execErrState',
      'labels',
      'name',
      'noDataState',
      'queries',
    ]);
  });
});
