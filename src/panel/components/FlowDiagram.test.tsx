import React from 'react';
import { render } from '@testing-library/react';

import { routeEdges } from '../flow-routes';
import { flowGraph } from '../flow-model';
import type { FlowCounts } from '../flow-counts';
import { FlowDiagram } from './FlowDiagram';

// The real router, counted.
jest.mock('../flow-routes', () => {
  const actual = jest.requireActual('../flow-routes');
  return { ...actual, routeEdges: jest.fn(actual.routeEdges) };
});

function diagram(counts: FlowCounts, width = 708) {
  return (
    <FlowDiagram
      graph={flowGraph(['bullmq'], counts)}
      counts={counts}
      rates={{}}
      width={width}
      height={300}
      idleQueues={[]}
      label="BullMQ"
      markerId="arrow"
      bell={false}
      onSelect={() => undefined}
    />
  );
}

it('routes the arrows again only when the boxes move, not for each refresh’s counts', () => {
  const route = routeEdges as jest.Mock;
  const counts = (n: number) => ({ wait: n, active: n + 1, delayed: 2, completed: 3 * n, failed: n }) as FlowCounts;
  const { rerender, container } = render(diagram(counts(5)));
  const paths = () => Array.from(container.querySelectorAll('path')).map((p) => p.getAttribute('d'));
  const first = paths();
  rerender(diagram(counts(7)));
  rerender(diagram(counts(999_999_999)));
  expect(route).toHaveBeenCalledTimes(1);
  expect(paths()).toEqual(first); // the same arrows drawn
  rerender(diagram(counts(7), 1440));
  expect(route).toHaveBeenCalledTimes(2);
});
