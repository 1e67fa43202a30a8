// Magnitude pruning (src/prune.ts): a mask that keeps a tensor's largest magnitudes, and the pass
// that applies a mask to weights (and to their optimizer slots) so that pruned values are +0.

// Hoare partition quickselect over s[lo..hi] (f32 magnitudes): afterwards s[k] holds the value a sort
// would put there. Median of three pivots; equal values split between both sides, so many zeros
// (an already pruned tensor) do not make it quadratic.
function select_kth(s: usize, lo: i32, hi: i32, k: i32): f32 {
  while (lo < hi) {
    const mid = lo + ((hi - lo) >> 1);
    let a = load<f32>(s + (<usize>lo << 2)),
      b = load<f32>(s + (<usize>mid << 2)),
      c = load<f32>(s + (<usize>hi << 2));
    // pivot: the median of a, b, c
    let p: f32 = b;
    if (a < b) {
      if (c < a) p = a;
      else if (c < b) p = c;
    } else {
      if (c > a) p = a;
      else if (c > b) p = c;
    }
    let i = lo - 1,
      j = hi + 1;
    while (true) {
      do i++;
      while (load<f32>(s + (<usize>i << 2)) < p);
      do j--;
      while (load<f32>(s + (<usize>j << 2)) > p);
      if (i >= j) break;
      const t = load<f32>(s + (<usize>i << 2));
      store<f32>(s + (<usize>i << 2), load<f32>(s + (<usize>j << 2)));
      store<f32>(s + (<usize>j << 2), t);
    }
    // s[lo..j] <= p <= s[j+1..hi]
    if (k <= j) hi = j;
    else lo = j + 1;
  }
  return load<f32>(s + (<usize>k << 2));
}

/** Floats of scratch prune_mask needs for n values. */
export function prune_mask_scratch_size(n: i32): i32 {
  return n;
}

/**
 * mask[i] = 1 where |w[i]| is at least the keep-th largest magnitude of w, else 0 (ties are kept,
 * as TF-MOT's greater_equal on its top_k threshold). keep >= n keeps all; keep <= 0 keeps the largest
 * (as TF-MOT, at least one value stays). NaN counts as the smallest magnitude. Returns how many are kept.
 */
export function prune_mask(n: i32, w: usize, keep: i32, mask: usize, scratch: usize): i32 {
  if (n <= 0) return 0;
  if (keep >= n) {
    for (let i = 0; i < n; i++) store<f32>(mask + (<usize>i << 2), 1.0);
    return n;
  }
  if (keep < 1) keep = 1;
  for (let i = 0; i < n; i++) {
    const v = Mathf.abs(load<f32>(w + (<usize>i << 2)));
    store<f32>(scratch + (<usize>i << 2), v != v ? -1.0 : v);
  }
  // the keep-th largest is the (n - keep)-th smallest (0-based)
  const thr = select_kth(scratch, 0, n - 1, n - keep);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const v = Mathf.abs(load<f32>(w + (<usize>i << 2)));
    const on = v >= thr; // NaN: false
    store<f32>(mask + (<usize>i << 2), on ? 1.0 : 0.0);
    kept += i32(on);
  }
  return kept;
}

/** x[i] = mask[i] != 0 ? x[i] : +0, in place (a pruned weight, or its optimizer slot, becomes +0, not -0). */
export function prune_apply(n: i32, x: usize, mask: usize): void {
  const n4 = n & ~3;
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const keep = f32x4.ne(v128.load(mask + o), zero);
    v128.store(x + o, v128.and(v128.load(x + o), keep));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    if (load<f32>(mask + o) == 0) store<f32>(x + o, 0);
  }
}
