/** "Did you mean": the closest word by edit distance (adjacent swaps count as one edit). */

/** Optimal string alignment distance between `a` and `b`. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => [i, ...new Array<number>(n).fill(0)]);
  for (let j = 0; j <= n; j++) d[0][j] = j;
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[m][n];
}

/**
 * The candidate closest to `word`, or undefined when none is close enough
 * (at most a third of the longer word's length, at least 1 edit allowed) or
 * `word` is a prefix of exactly one candidate.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  if (!word) return undefined;
  // Bounded: users may paste kilobytes; distance is quadratic.
  const w = word.slice(0, 64);
  const prefixed = candidates.filter((c) => c.startsWith(w));
  if (prefixed.length === 1) return prefixed[0];
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dist = editDistance(w, c);
    if (dist < bestD) {
      best = c;
      bestD = dist;
    }
  }
  if (best === undefined) return undefined;
  return bestD <= Math.max(1, Math.floor(Math.max(w.length, best.length) / 3)) ? best : undefined;
}
