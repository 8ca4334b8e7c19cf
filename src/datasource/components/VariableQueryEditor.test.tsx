import React, { useState } from 'react';
import { fireEvent, render, screen } from '@testing-library/react';

import type { DataSource, JobscopeVariableQuery } from '../datasource';
import { VariableQueryEditor } from './VariableQueryEditor';

const datasource = {} as DataSource;

function Harness({ initial, onChange }: { initial: JobscopeVariableQuery | string | undefined; onChange: jest.Mock }) {
  const [query, setQuery] = useState(initial);
  return (
    <VariableQueryEditor
      datasource={datasource}
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
    fireEvent.click(screen.getByText('sidekiq'));
    expect(last(onChange)).toEqual({ refId: 'V', what: 'queues', system: 'sidekiq' });
  });

  it('reads a legacy string query', () => {
    render(<Harness initial="systems" onChange={jest.fn()} />);
    expect(screen.getByRole('radio', { name: 'Systems' })).toBeChecked();
  });
});
