// Non-negative least squares on the normal equations (Bro & De Jong's FNNLS, J. Chemometrics 1997: the
// Lawson–Hanson active-set method with XᵀX and Xᵀy precomputed): minimise ‖Xw − y‖² subject to w ≥ 0.
// The kernel model's coefficients are costs per unit of work (µs per launch, per MAC, per element), so
// a negative one would mean that more work saves time; the active set drops such features instead.

/**
 * w ≥ 0 minimising wᵀGw − 2bᵀw, with G = XᵀX (k×k, symmetric positive semi-definite) and b = Xᵀy.
 * Features whose column is all zero must have G[i][i] > 0 (callers put 1 there) or they stay at 0.
 */
export function nnls(G: readonly (readonly number[])[], b: readonly number[]): number[] {
  const k = b.length;
  const x = new Array<number>(k).fill(0);
  const passive = new Set<number>();
  // Features whose column is collinear with the passive ones (a singular subsystem): never entered again.
  const excluded = new Set<number>();
  const tol = 1e-10 * Math.max(1, ...b.map(Math.abs));
  for (let outer = 0; outer < 3 * k; outer++) {
    // Gradient of the objective (halved, negated): the features that would lower it if raised.
    let enter = -1;
    let bestGrad = tol;
    for (let i = 0; i < k; i++) {
      if (passive.has(i) || excluded.has(i)) continue;
      let g = b[i];
      for (let j = 0; j < k; j++) g -= G[i][j] * x[j];
      if (g > bestGrad) {
        bestGrad = g;
        enter = i;
      }
    }
    if (enter < 0) break;
    passive.add(enter);
    for (let inner = 0; inner < 3 * k; inner++) {
      const idx = [...passive].sort((a, c) => a - c);
      const s = solveSubset(G, b, idx);
      if (!s) {
        passive.delete(enter);
        excluded.add(enter);
        break;
      }
      const z = new Array<number>(k).fill(0);
      idx.forEach((i, q) => (z[i] = s[q]));
      if (idx.every((i) => z[i] > 0)) {
        for (let i = 0; i < k; i++) x[i] = z[i];
        break;
      }
      // Step towards z until the first passive coefficient reaches zero, and drop it.
      let alpha = 1;
      for (const i of idx) if (z[i] <= 0) alpha = Math.min(alpha, x[i] / (x[i] - z[i]));
      for (let i = 0; i < k; i++) x[i] += alpha * (z[i] - x[i]);
      for (const i of idx) {
        if (x[i] <= 1e-15) {
          x[i] = 0;
          passive.delete(i);
        }
      }
    }
  }
  return x;
}

/** G[idx,idx] s = b[idx] by Gaussian elimination with partial pivoting; undefined when singular. */
function solveSubset(
  G: readonly (readonly number[])[],
  b: readonly number[],
  idx: readonly number[],
): number[] | undefined {
  const n = idx.length;
  const a = idx.map((i) => [...idx.map((j) => G[i][j]), b[i]]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) piv = r;
    if (Math.abs(a[piv][c]) < 1e-12) return undefined;
    [a[c], a[piv]] = [a[piv], a[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      for (let j = c; j <= n; j++) a[r][j] -= f * a[c][j];
    }
  }
  const s = a.map((row, i) => row[n] / row[i]);
  return s.every(Number.isFinite) ? s : undefined;
}
