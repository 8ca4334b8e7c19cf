/**
 * Text sizing without a canvas (jsdom has none, and the layout must not wait for fonts):
 * widths estimated from Inter's advance widths, the font Grafana ships, rounded up so that
 * narrower fallbacks (Arial, Liberation Sans) fit too.
 */

/** Advance width of one character in em (Inter, medium weight, rounded up). */
function advance(ch: string): number {
  if (/[0-9]/.test(ch)) {
    return 0.64;
  }
  if (ch === ' ') {
    return 0.28;
  }
  if (/[.,:;'’|!il]/.test(ch)) {
    return 0.3;
  }
  if (/[MWmw%@]/.test(ch)) {
    return 0.9;
  }
  if (/[A-Z]/.test(ch)) {
    return 0.74;
  }
  if (/[a-z]/.test(ch)) {
    return 0.58;
  }
  return 0.66;
}

/** Estimated width of `text` at `size` px. */
export function textWidth(text: string, size: number): number {
  let em = 0;
  for (const ch of text) {
    em += advance(ch);
  }
  return em * size;
}

export interface FittedText {
  text: string;
  size: number;
}

/**
 * The first candidate (most complete first) that fits `maxWidth` at a size from `maxSize`
 * down to `minSize`; undefined when none does (the caller drops the text).
 */
export function fitText(
  candidates: readonly string[],
  maxWidth: number,
  maxSize: number,
  minSize: number
): FittedText | undefined {
  for (const text of candidates) {
    const atOne = textWidth(text, 1);
    const size = Math.min(maxSize, atOne > 0 ? maxWidth / atOne : maxSize);
    if (size >= minSize) {
      return { text, size: Math.floor(size * 2) / 2 };
    }
  }
  return undefined;
}

/** `text` cut with an ellipsis to fit `maxWidth` at `size`; undefined when not even one letter fits. */
export function ellipsize(text: string, maxWidth: number, size: number): string | undefined {
  if (textWidth(text, size) <= maxWidth) {
    return text;
  }
  const chars = Array.from(text);
  for (let n = chars.length - 1; n > 0; n--) {
    const cut = `${chars.slice(0, n).join('').trimEnd()}…`;
    if (textWidth(cut, size) <= maxWidth) {
      return cut;
    }
  }
  return undefined;
}
