import React, { useState } from 'react';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import type { DataSourceInstanceSettings, DataSourceSettings } from '@grafana/data';
import type { DataSourcePickerProps } from '@grafana/runtime';

import { systemsOfKind } from '../../../pkg/model/catalogue';
import type { JobscopeOptions, JobscopeSecureSettings } from '../types';
import { ConfigEditor } from './ConfigEditor';

// The real picker needs Grafana's data source service; a stand-in records what the editor passes.
// One stand-in per picker, told apart by inputId (jobscope-config-tracing, jobscope-config-logs).
const pickers: Record<string, DataSourcePickerProps> = {};
const pickerProps = {
  get current(): DataSourcePickerProps | undefined {
    return pickers['jobscope-config-tracing'];
  },
};
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  DataSourcePicker: (props: DataSourcePickerProps) => {
    pickers[props.inputId ?? ''] = props;
    const testId = props.inputId === 'jobscope-config-logs' ? 'logs-picker' : 'tracing-picker';
    return <div data-testid={testId}>{String(props.current ?? '')}</div>;
  },
}));

type Settings = DataSourceSettings<JobscopeOptions, JobscopeSecureSettings>;

function makeSettings(overrides: Partial<Settings> = {}): Settings {
  return {
    id: 1,
    uid: 'jobscope-uid',
    orgId: 1,
    name: 'Jobscope',
    type: 'jobscope-queues-datasource',
    typeName: 'Jobscope queues',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    jsonData: { kind: 'redis' },
    secureJsonFields: {},
    readOnly: false,
    withCredentials: false,
    ...overrides,
  } as Settings;
}

/** Holds the options in state like Grafana's settings page does, and reports each change. */
function Harness({ initial, onChange }: { initial: Settings; onChange: jest.Mock }) {
  const [options, setOptions] = useState(initial);
  return (
    <ConfigEditor
      options={options}
      onOptionsChange={(next) => {
        onChange(next);
        setOptions(next);
      }}
    />
  );
}

const lastOptions = (spy: jest.Mock): Settings => spy.mock.calls[spy.mock.calls.length - 1][0];

describe('ConfigEditor', () => {
  beforeEach(() => {
    for (const id of Object.keys(pickers)) {
      delete pickers[id];
    }
  });

  it('shows a saved password only as "configured", never its value, and resets it', () => {
    const onChange = jest.fn();
    render(<Harness initial={makeSettings({ secureJsonFields: { password: true } })} onChange={onChange} />);

    const password = screen.getByLabelText('Password') as HTMLInputElement;
    expect(password).toBeDisabled();
    expect(password.value).toBe('configured');
    expect(screen.getAllByRole('button', { name: 'Reset' }).length).toBeGreaterThan(0);

    fireEvent.click(screen.getAllByRole('button', { name: 'Reset' })[0]);
    const afterReset = lastOptions(onChange);
    expect(afterReset.secureJsonFields.password).toBe(false);
    expect(afterReset.secureJsonData?.password).toBe('');

    const editable = screen.getByLabelText('Password') as HTMLInputElement;
    expect(editable).not.toBeDisabled();
    expect(editable.value).toBe('');
    expect(editable.type).toBe('password');
  });

  it('puts a new password in secureJsonData only, never in jsonData', () => {
    const onChange = jest.fn();
    render(<Harness initial={makeSettings()} onChange={onChange} />);

    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 's3cret' } });

    const next = lastOptions(onChange);
    expect(next.secureJsonData).toEqual({ password: 's3cret' });
    expect(JSON.stringify(next.jsonData)).not.toContain('s3cret');
  });

  it('writes the connection and discovery fields to jsonData', () => {
    const onChange = jest.fn();
    render(<Harness initial={makeSettings()} onChange={onChange} />);

    fireEvent.change(screen.getByLabelText(/^URL/), { target: { value: 'rediss://cache:6380/2' } });
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'jobs' } });
    fireEvent.change(screen.getByLabelText('Bull prefix'), { target: { value: 'myapp' } });
    fireEvent.change(screen.getByLabelText('Discovery pattern'), { target: { value: 'orders-*' } });
    fireEvent.change(screen.getByLabelText('Payload limit'), { target: { value: '8192' } });
    fireEvent.click(screen.getByLabelText('Skip TLS verify'));

    expect(lastOptions(onChange).jsonData).toEqual({
      kind: 'redis',
      url: 'rediss://cache:6380/2',
      username: 'jobs',
      bullPrefix: 'myapp',
      discoveryPattern: 'orders-*',
      payloadLimitBytes: 8192,
      tlsSkipVerify: true,
    });

    fireEvent.change(screen.getByLabelText('Payload limit'), { target: { value: '' } });
    expect(lastOptions(onChange).jsonData.payloadLimitBytes).toBeUndefined();
  });

  it('asks for sentinels and the master name only in Sentinel mode, nodes in Cluster mode', () => {
    const onChange = jest.fn();
    render(<Harness initial={makeSettings()} onChange={onChange} />);
    expect(document.getElementById('jobscope-config-redis-nodes')).toBeNull();
    fireEvent.click(screen.getByLabelText('Sentinel'));
    fireEvent.change(document.getElementById('jobscope-config-redis-nodes')!, {
      target: { value: 's1:26379,s2:26379' },
    });
    fireEvent.change(document.getElementById('jobscope-config-sentinel-master')!, { target: { value: 'mymaster' } });
    expect(lastOptions(onChange).jsonData).toMatchObject({
      redisMode: 'sentinel',
      redisNodes: 's1:26379,s2:26379',
      sentinelMaster: 'mymaster',
    });
    fireEvent.click(screen.getByLabelText('Cluster'));
    expect(document.getElementById('jobscope-config-sentinel-master')).toBeNull();
    expect(document.getElementById('jobscope-config-redis-nodes')).not.toBeNull();
    expect(lastOptions(onChange).jsonData.redisMode).toBe('cluster');
  });

  it('stores the per-system settings, numbers as numbers', () => {
    const onChange = jest.fn();
    render(<Harness initial={makeSettings()} onChange={onChange} />);
    fireEvent.change(document.getElementById('jobscope-config-sidekiq-namespace')!, { target: { value: 'myapp' } });
    fireEvent.change(document.getElementById('jobscope-config-rq-prefix')!, { target: { value: 'rqx' } });
    fireEvent.change(document.getElementById('jobscope-config-celery-visibility')!, { target: { value: '600' } });
    fireEvent.change(document.getElementById('jobscope-config-stream-interval')!, { target: { value: '2000' } });
    fireEvent.change(document.getElementById('jobscope-config-timeout')!, { target: { value: '4' } });
    expect(lastOptions(onChange).jsonData).toMatchObject({
      sidekiqNamespace: 'myapp',
      rqPrefix: 'rqx',
      celeryVisibilityTimeout: 600,
      streamIntervalMs: 2000,
      timeoutSeconds: 4,
    });
  });

  it('shows RabbitMQ settings for the rabbitmq kind, peeking off until switched on', () => {
    const onChange = jest.fn();
    render(<Harness initial={makeSettings({ jsonData: { kind: 'rabbitmq' } })} onChange={onChange} />);
    expect(document.getElementById('jobscope-config-sidekiq-namespace')).toBeNull();
    fireEvent.change(document.getElementById('jobscope-config-management-url')!, {
      target: { value: 'http://rabbit:15672' },
    });
    fireEvent.change(document.getElementById('jobscope-config-vhost')!, { target: { value: 'jobs' } });
    expect((document.getElementById('jobscope-config-allow-peek') as HTMLInputElement).checked).toBe(false);
    fireEvent.click(document.getElementById('jobscope-config-allow-peek')!);
    expect(lastOptions(onChange).jsonData).toMatchObject({
      managementUrl: 'http://rabbit:15672',
      vhost: 'jobs',
      allowPeek: true,
    });
  });

  it('shows the schemas, the exact-count bound and the TLS switch for the postgres kind', () => {
    const onChange = jest.fn();
    render(<Harness initial={makeSettings({ jsonData: { kind: 'postgres' } })} onChange={onChange} />);
    fireEvent.change(document.getElementById('jobscope-config-schemas')!, { target: { value: 'pgboss' } });
    fireEvent.change(document.getElementById('jobscope-config-max-exact-rows')!, { target: { value: '500000' } });
    fireEvent.click(document.getElementById('jobscope-config-tls')!);
    expect(lastOptions(onChange).jsonData).toMatchObject({ schemas: 'pgboss', maxExactRows: 500000, tls: true });
    expect(document.getElementById('jobscope-config-management-url')).toBeNull();
  });

  it('shows SASL, dead-letter topics and TLS for the kafka kind', () => {
    const onChange = jest.fn();
    render(<Harness initial={makeSettings({ jsonData: { kind: 'kafka' } })} onChange={onChange} />);
    fireEvent.click(screen.getByLabelText('SCRAM-SHA-512'));
    fireEvent.change(document.getElementById('jobscope-config-dlq-topics')!, { target: { value: 'orders.dead' } });
    fireEvent.click(document.getElementById('jobscope-config-tls')!);
    expect(lastOptions(onChange).jsonData).toMatchObject({
      saslMechanism: 'scram-sha-512',
      dlqTopics: 'orders.dead',
      tls: true,
    });
  });

  it('defaults the kind to redis when it is missing', () => {
    const onChange = jest.fn();
    render(<Harness initial={makeSettings({ jsonData: {} })} onChange={onChange} />);
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(lastOptions(onChange).jsonData.kind).toBe('redis');
  });

  it("lists every kind and shows the chosen kind's URL form", () => {
    const onChange = jest.fn();
    render(<Harness initial={makeSettings()} onChange={onChange} />);

    fireEvent.keyDown(screen.getByLabelText('Kind'), { key: 'ArrowDown' });
    // short names, and the catalogue's systems of each kind below them
    const menu = screen.getByLabelText('Select options menu');
    for (const [label, kind] of [
      ['RabbitMQ', 'rabbitmq'],
      ['PostgreSQL', 'postgres'],
      ['NATS JetStream', 'nats'],
      ['Kafka', 'kafka'],
    ] as const) {
      expect(within(menu).getByText(label)).toBeInTheDocument();
      if (systemsOfKind(kind).length > 1) {
        expect(
          within(menu).getByText(
            systemsOfKind(kind)
              .map((d) => d.name)
              .join(', ')
          )
        ).toBeInTheDocument();
      }
    }
    fireEvent.click(screen.getByText('NATS JetStream'));

    expect(lastOptions(onChange).jsonData.kind).toBe('nats');
    expect((screen.getByLabelText(/^Servers/) as HTMLInputElement).placeholder).toBe('nats://localhost:4222');
    fireEvent.change(document.getElementById('jobscope-config-advisory-stream')!, { target: { value: 'DLQ' } });
    expect(lastOptions(onChange).jsonData.advisoryStream).toBe('DLQ');
  });

  it('offers only tracing data sources and stores the chosen uid', () => {
    const onChange = jest.fn();
    render(<Harness initial={makeSettings()} onChange={onChange} />);
    const props = pickerProps.current!;
    expect(props).toBeDefined();

    const ds = (type: string, uid = `${type}-uid`) => ({ type, uid }) as DataSourceInstanceSettings;
    expect(['tempo', 'jaeger', 'zipkin'].map((t) => props.filter!(ds(t)))).toEqual([true, true, true]);
    expect(['prometheus', 'loki', 'jobscope-queues-datasource'].map((t) => props.filter!(ds(t)))).toEqual([
      false,
      false,
      false,
    ]);

    act(() => props.onChange(ds('tempo', 'tempo-1')));
    expect(lastOptions(onChange).jsonData.tracingDatasourceUid).toBe('tempo-1');
    expect(screen.getByTestId('tracing-picker')).toHaveTextContent('tempo-1');

    act(() => pickerProps.current!.onClear!());
    expect(lastOptions(onChange).jsonData.tracingDatasourceUid).toBeUndefined();
  });

  it('offers only Loki and Elasticsearch as the logs data source, and a Loki stream selector once one is set', () => {
    const onChange = jest.fn();
    render(<Harness initial={makeSettings()} onChange={onChange} />);
    const logs = () => pickers['jobscope-config-logs'];
    const ds = (type: string, uid = `${type}-uid`) => ({ type, uid }) as DataSourceInstanceSettings;
    expect(['loki', 'elasticsearch'].map((t) => logs().filter!(ds(t)))).toEqual([true, true]);
    expect(['tempo', 'prometheus', 'jobscope-queues-datasource'].map((t) => logs().filter!(ds(t)))).toEqual([
      false,
      false,
      false,
    ]);
    expect(document.getElementById('jobscope-config-logs-selector')).toBeNull();

    act(() => logs().onChange(ds('loki', 'loki-1')));
    expect(lastOptions(onChange).jsonData.logsDatasourceUid).toBe('loki-1');
    expect(lastOptions(onChange).jsonData.logsDatasourceType).toBe('loki');
    expect(screen.getByTestId('logs-picker')).toHaveTextContent('loki-1');
    // the tracing setting is untouched
    expect(lastOptions(onChange).jsonData.tracingDatasourceUid).toBeUndefined();

    fireEvent.change(document.getElementById('jobscope-config-logs-selector')!, {
      target: { value: '{namespace="jobs"}' },
    });
    expect(lastOptions(onChange).jsonData.logsLabelSelector).toBe('{namespace="jobs"}');

    act(() => logs().onClear!());
    expect(lastOptions(onChange).jsonData.logsDatasourceUid).toBeUndefined();
  });
  it('shows each kind only its own fields and words', () => {
    const shown = (kind: string) => {
      const { unmount } = render(
        <Harness initial={makeSettings({ jsonData: { kind } as Settings['jsonData'] })} onChange={jest.fn()} />
      );
      const ids = Array.from(document.querySelectorAll('[id^="jobscope-config-"]')).map((e) => e.id);
      const text = document.body.textContent ?? '';
      unmount();
      return { ids, text };
    };
    const redisOnly = [
      'jobscope-config-bull-prefix',
      'jobscope-config-sidekiq-namespace',
      'jobscope-config-rq-prefix',
      'jobscope-config-celery-visibility',
    ];
    const redis = shown('redis');
    expect(redis.ids).toEqual(expect.arrayContaining(redisOnly));
    expect(redis.ids).not.toContain('jobscope-config-tls'); // rediss:// says it
    for (const kind of ['rabbitmq', 'postgres', 'nats', 'kafka']) {
      const { ids, text } = shown(kind);
      expect({ kind, redisFields: ids.filter((id) => redisOnly.includes(id)) }).toEqual({ kind, redisFields: [] });
      expect(text).not.toMatch(/Bull prefix|Sidekiq|Celery|Redis mode/);
    }
    expect(shown('kafka').ids).toEqual(expect.arrayContaining(['jobscope-config-dlq-topics', 'jobscope-config-tls']));
    expect(shown('kafka').ids).not.toContain('jobscope-config-discovery-pattern');
    expect(shown('postgres').ids).toEqual(
      expect.arrayContaining(['jobscope-config-discovery-pattern', 'jobscope-config-tls'])
    );
    expect(shown('rabbitmq').ids).not.toContain('jobscope-config-tls'); // https:// and amqps:// say it
  });

  it('puts Require TLS and Skip TLS verify together in the TLS section', () => {
    render(<Harness initial={makeSettings({ jsonData: { kind: 'postgres' } })} onChange={jest.fn()} />);
    const tls = screen.getByRole('region', { name: 'TLS' });
    expect(within(tls).getByLabelText('Require TLS')).toBeInTheDocument();
    expect(within(tls).getByLabelText('Skip TLS verify')).toBeInTheDocument();
  });

  it('shows the Redis mode, Sentinels and master name under Connection', () => {
    render(
      <Harness initial={makeSettings({ jsonData: { kind: 'redis', redisMode: 'sentinel' } })} onChange={jest.fn()} />
    );
    const connection = screen.getByRole('region', { name: 'Connection' });
    expect(within(connection).getByLabelText('Sentinel')).toBeInTheDocument();
    expect(within(connection).getByLabelText(/^Sentinels/)).toBeInTheDocument();
    expect(within(connection).getByLabelText(/^Master name/)).toBeInTheDocument();
  });

  it('words the password field for NATS tokens', () => {
    render(<Harness initial={makeSettings({ jsonData: { kind: 'nats' } })} onChange={jest.fn()} />);
    expect(screen.getByLabelText('Password or token')).toBeInTheDocument();
  });
});
