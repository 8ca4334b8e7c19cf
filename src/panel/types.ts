export interface FlowOptions {
  /** Queue to show; empty means every queue, summed. */
  queue: string;
  /** Show the alert rule templates menu (a bell in the corner); absent means shown. */
  showAlertTemplates?: boolean;
}

export const ALL_QUEUES = '';
