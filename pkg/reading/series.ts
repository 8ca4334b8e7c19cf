/** A throughput series as a system reads it; frames/dataplane.ts turns it into a data-plane frame. */
export interface Series {
  metric: string;
  labels: Record<string, string>;
  /** Epoch ms, ascending. */
  times: number[];
  values: number[];
}
