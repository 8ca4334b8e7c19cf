import { formattedValueToString, getValueFormat } from '@grafana/data';

/** Counts under 1000 exactly, larger ones shortened (1.50 K); the exact value goes in tooltips. */
export const formatCount = (n: number) => formattedValueToString(getValueFormat('short')(n, n < 1000 ? 0 : undefined));
