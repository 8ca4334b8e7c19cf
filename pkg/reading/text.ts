/**
 * Cutting text to a byte limit, for every text that leaves the plugin: row fields
 * (frames/bounds.ts) and error messages (errors/errors.ts).
 */

/** The first `limit` bytes of `text` on a character boundary, marked with the whole size. */
export function cutText(text: string, limit: number): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= limit) {
    return text;
  }
  const b = Buffer.from(text, 'utf8');
  let end = limit;
  while (end > 0 && (b[end] & 0xc0) === 0x80) {
    end--; // do not split a UTF-8 sequence
  }
  return `${b.subarray(0, end).toString('utf8')}… [cut at ${end} of ${bytes} bytes]`;
}
