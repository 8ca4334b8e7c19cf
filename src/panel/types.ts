export interface FlowOptions {
  /** Queue to show; empty means every queue, summed. */
  queue: string;
}

export const ALL_QUEUES = '';
