import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';

import type { JobListRow } from '../job-rows';
import { JobList, listCount } from './JobList';
import { CHUNK_CHARS, kindLabel, prettyJson } from './PayloadPreview';

const job = (over: Partial<JobListRow>): JobListRow => ({
  system: 'celery',
  queue: 'default',
  id: 'j1',
  state: 'failed',
  payloadTruncated: false,
  ...over,
});

function renderList(jobs: JobListRow[], total?: number, onClose = jest.fn()) {
  render(
    <JobList
      title="Failed"
      jobs={jobs}
      total={total}
      loading={false}
      errors={[]}
      showQueue={false}
      width={500}
      height={600}
      timeZone="utc"
      onClose={onClose}
    />
  );
  return onClose;
}

describe('job list rows', () => {
  it('says "205 of 1,234" when the list is a part of the state’s count', () => {
    expect(listCount(205, 1234)).toBe('205 of 1,234');
    expect(listCount(205, 205)).toBe('205');
    expect(listCount(205, undefined)).toBe('205');
    renderList([job({})], 1234);
    expect(screen.getByTestId('jobscope-job-list-title')).toHaveTextContent('Failed · 1 of 1,234');
  });

  it('shows when a job was created and finished', () => {
    renderList([job({ created: Date.UTC(2026, 11, 5, 1, 2, 3), finished: Date.UTC(2026, 11, 5, 1, 4, 5) })]);
    expect(screen.getByTestId('jobscope-job-times')).toHaveTextContent(
      'created 2026-12-05 01:02:03finished 2026-12-05 01:04:05'
    );
  });

  it('shows the stack trace on request', () => {
    renderList([
      job({ error: 'ValueError: bad', stacktrace: 'Traceback (most recent call last):\n  File "tasks.py", line 3' }),
    ]);
    expect(screen.queryByTestId('jobscope-stacktrace')).not.toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Stack trace' }));
    expect(screen.getByTestId('jobscope-stacktrace')).toHaveTextContent('File "tasks.py", line 3');
    fireEvent.click(screen.getByRole('button', { name: 'Hide stack trace' }));
    expect(screen.queryByTestId('jobscope-stacktrace')).not.toBeInTheDocument();
  });

  it('labels hex payloads by kind and never decodes them', () => {
    expect(kindLabel('pickle')).toBe('hex of pickled payload (not decoded)');
    renderList([job({ payload: '80049510000000', payloadKind: 'pickle', payloadBytes: 7 })]);
    expect(screen.getByTestId('jobscope-payload-kind')).toHaveTextContent('hex of pickled payload');
    expect(screen.getByTestId('jobscope-payload')).toHaveTextContent('80049510000000');
  });

  it('pretty-prints JSON when expanded', () => {
    expect(prettyJson('{"a":1,"b":[2]}')).toBe('{\n  "a": 1,\n  "b": [\n    2\n  ]\n}');
    expect(prettyJson('{"cut at the li')).toBe('{"cut at the li');
    const payload = JSON.stringify({ order: 1, note: 'x'.repeat(200) });
    renderList([job({ payload, payloadKind: 'json' })]);
    expect(screen.getByTestId('jobscope-payload').textContent).toBe(`${payload.slice(0, 120)}…`);
    fireEvent.click(screen.getByRole('button', { name: 'Show all' }));
    expect(screen.getByTestId('jobscope-payload').textContent).toContain('\n  "order": 1,\n');
  });

  it('expands a 2 MB payload a chunk at a time', () => {
    const payload = JSON.stringify({ blob: 'y'.repeat(2 * 1024 * 1024) });
    renderList([job({ payload, payloadKind: 'json', payloadBytes: payload.length })]);
    fireEvent.click(screen.getByRole('button', { name: 'Show all' }));
    const pre = screen.getByTestId('jobscope-payload');
    expect(pre.textContent!.length).toBe(CHUNK_CHARS);
    fireEvent.click(screen.getByTestId('jobscope-payload-more'));
    expect(pre.textContent!.length).toBe(2 * CHUNK_CHARS);
    expect(screen.getByTestId('jobscope-payload-more')).toHaveTextContent(/^Show 32 KiB more \(1\.9\d MiB left\)$/);
    // scrolling to the end of the box brings the next chunk too
    Object.defineProperty(pre, 'scrollHeight', { value: 5000, configurable: true });
    Object.defineProperty(pre, 'clientHeight', { value: 320, configurable: true });
    pre.scrollTop = 4700;
    fireEvent.scroll(pre);
    expect(pre.textContent!.length).toBe(3 * CHUNK_CHARS);
  });

  it('closes with Escape', () => {
    const onClose = renderList([job({})]);
    fireEvent.keyDown(screen.getByTestId('jobscope-job'), { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});
