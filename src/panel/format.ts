import { formattedValueToString, getValueFormat } from '@grafana/data';

/** Counts under 1000 exactly, larger ones shortened (1.50 K); the exact value goes in tooltips. */
export const formatCount = (n: number) => formattedValueToString(getValueFormat('short')(n, n < 1000 ? 0 : undefined));

/** A count with thousands separators (1,234,567), Grafana's `locale` unit. */
export const formatExact = (n: number) => formattedValueToString(getValueFormat('locale')(n, 0));

/**
 * Ways to show a count, most complete first: exact (1,234), short (1.23 K), shortest (1 K).
 * The node shows the first that fits its box at a readable size.
 */
export function countCandidates(n: number): string[] {
  const out = [formatExact(n)];
  if (Math.abs(n) >= 1000) {
    out.push(formatShort(n), formatShort(n, 0));
  }
  return Array.from(new Set(out));
}

/**
 * Grafana's `short` unit, except that a value rounding up to the next unit reads as that unit
 * (999,999,999 is "1 Bil", not "1000 Mil").
 */
function formatShort(n: number, decimals?: number): string {
  const text = formattedValueToString(getValueFormat('short')(n, decimals));
  if (/^-?1000(\.0+)? /.test(text)) {
    return formattedValueToString(
      getValueFormat('short')(Math.sign(n) * 10 ** Math.ceil(Math.log10(Math.abs(n))), decimals)
    );
  }
  return text;
}

/** A duration in seconds, Grafana's `s` unit (5.00 min, 1.50 hour). */
export const formatSeconds = (s: number) => formattedValueToString(getValueFormat('s')(s, s < 60 ? 0 : 1));

/** A 0–1 ratio as a percentage (Grafana's `percentunit`). */
export const formatRatio = (r: number) => formattedValueToString(getValueFormat('percentunit')(r, 0));

/** A rate per minute (Grafana's `rpm` unit would read "req/min"; jobs are not requests). */
export function formatRate(perMinute: number): string {
  const v =
    perMinute >= 100
      ? formattedValueToString(getValueFormat('short')(perMinute, 0))
      : perMinute >= 10
        ? perMinute.toFixed(0)
        : perMinute.toFixed(1);
  return `${v}/min`;
}
