/** A frame notice: what a read could not do or wants the user to know (Grafana shows it on the panel). */
export interface Notice {
  severity: 'info' | 'warning' | 'error';
  text: string;
}
