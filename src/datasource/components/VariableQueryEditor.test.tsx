import React, { useState } from 'react';
import { fireEvent, render, screen, within } from '@testing-library/react';

import { descriptorOf, systemsOfKind } from '../../../pkg/model/catalogue';
import { DATASOURCE_KINDS, type DatasourceKind } from '../../../pkg/model/query';
import type { DataSource, JobscopeVariableQuery } from '../datasource';
import { VariableQueryEditor } from './VariableQueryEditor';

function Harness({
  initial,
  onChange,
  kind = 'redis',
}: {
  initial: JobscopeVariableQuery | string | undefined;
  onChange: jest.Mock;
  kind?: DatasourceKind;
}) {
  const [query, setQuery] = useState(initial);
  return (
    <VariableQueryEditor
      datasource={{ kind } as unknown as DataSource}
      query={query as JobscopeVariableQuery}
      onRunQuery={() => {}}
      onChange={(next) => {
        onChange(next);
        setQuery(next);
      }}
    />
  );
}

const last = (spy: jest.Mock): JobscopeVariableQuery => spy.mock.calls[spy.mock.calls.length - 1][0];

describe('VariableQueryEditor', () => {
  it('defaults to queues with a system filter', () => {
    render(<Harness initial={undefined} onChange={jest.fn()} />);
    expect(screen.getByRole('radio', { name: 'Queues' })).toBeChecked();
    expect(screen.getByLabelText('System filter')).toBeInTheDocument();
  });

  it('switches to systems and drops the system filter', () => {
    const onChange = jest.fn();
    render(<Harness initial={{ refId: 'V', what: 'queues', system: 'bullmq' }} onChange={onChange} />);
    fireEvent.click(screen.getByRole('radio', { name: 'Systems' }));
    expect(last(onChange)).toEqual({ refId: 'V', what: 'systems' });
    expect(screen.queryByLabelText('System filter')).not.toBeInTheDocument();
  });

  it('sets the system filter', () => {
    const onChange = jest.fn();
    render(<Harness initial={{ refId: 'V', what: 'queues' }} onChange={onChange} />);
    fireEvent.keyDown(screen.getByLabelText('System filter'), { key: 'ArrowDown' });
    fireEvent.click(screen.getByText(descriptorOf('sidekiq')!.name));
    expect(last(onChange)).toEqual({ refId: 'V', what: 'queues', system: 'sidekiq' });
  });

  it.each(DATASOURCE_KINDS.filter((k) => systemsOfKind(k).length === 1))(
    'has no system filter for a %s data source (one system)',
    (kind) => {
      render(<Harness initial={{ refId: 'V', what: 'queues' }} onChange={jest.fn()} kind={kind} />);
      expect(screen.queryByLabelText('System filter')).not.toBeInTheDocument();
    }
  );

  it.each(DATASOURCE_KINDS.filter((k) => systemsOfKind(k).length > 1))(
    'offers every catalogued system of a %s data source',
    (kind) => {
      render(<Harness initial={{ refId: 'V', what: 'queues' }} onChange={jest.fn()} kind={kind} />);
      fireEvent.keyDown(screen.getByLabelText('System filter'), { key: 'ArrowDown' });
      const labels = within(screen.getByLabelText('Select options menu'))
        .getAllByRole('option')
        .map((o) => o.querySelector('span')?.textContent);
      expect(labels).toEqual(systemsOfKind(kind).map((d) => d.name));
    }
  );

  it('keeps a template variable as the system filter', () => {
    render(<Harness initial={{ refId: 'V', what: 'queues', system: '$system' }} onChange={jest.fn()} />);
    expect(screen.getByText('$system')).toBeInTheDocument();
  });

  it('reads a legacy string query', () => {
    render(<Harness initial="systems" onChange={jest.fn()} />);
    expect(screen.getByRole('radio', { name: 'Systems' })).toBeChecked();
  });
});
