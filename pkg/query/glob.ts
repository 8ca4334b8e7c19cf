/**
 * Queue-name globs (`*` any run, `?` one character, everything else literal), matched in
 * linear time. A RegExp built from a glob backtracks: `*****…x` against ordinary names
 * stalled the event loop for minutes, and any Viewer can send one. This matcher walks the
 * name once with two pointers and remembers only the last `*`, so its cost is bounded by
 * pattern length × name length with no nesting.
 */

/** Longest glob accepted in a query, a stream path or a discovery pattern. */
export const MAX_PATTERN_LENGTH = 256;
/** Most globs one query may carry. */
export const MAX_PATTERNS = 100;

/** True when `name` matches `glob` as a whole. */
export function globMatches(glob: string, name: string): boolean {
  let g = 0;
  let n = 0;
  // Where the last `*` was seen in the glob, and where in the name it started to match.
  let star = -1;
  let starName = 0;
  while (n < name.length) {
    const c = glob[g];
    if (g < glob.length && (c === '?' || (c !== '*' && c === name[n]))) {
      g++;
      n++;
    } else if (g < glob.length && c === '*') {
      // Collapse runs of `*`: they mean the same as one.
      while (glob[g] === '*') {
        g++;
      }
      star = g;
      starName = n;
    } else if (star >= 0) {
      // Let the last `*` swallow one more character and retry from just after it.
      g = star;
      n = ++starName;
    } else {
      return false;
    }
  }
  while (glob[g] === '*') {
    g++;
  }
  return g === glob.length;
}

/** True when `glob` contains a wildcard (a literal name is looked up, not matched). */
export const isGlob = (glob: string): boolean => /[*?]/.test(glob);

/**
 * Why a list of globs is refused (too many, too long), or undefined when it is fine.
 * `what` names the setting or field in the message.
 */
export function globListProblem(globs: readonly string[], what: string): string | undefined {
  if (globs.length > MAX_PATTERNS) {
    return `"${what}" holds ${globs.length} patterns; at most ${MAX_PATTERNS} are accepted`;
  }
  const long = globs.find((p) => p.length > MAX_PATTERN_LENGTH);
  if (long !== undefined) {
    return `"${what}" holds a pattern of ${long.length} characters; at most ${MAX_PATTERN_LENGTH} are accepted`;
  }
  return undefined;
}

/** True when `name` matches any glob; no globs means everything matches. */
export function queueFilter(globs: readonly string[] | undefined): (name: string) => boolean {
  if (!globs || globs.length === 0) {
    return () => true;
  }
  return (name) => globs.some((g) => globMatches(g, name));
}
