// LayerNormalization over the last axis (Keras semantics). ABI: README.md in this folder.
// M rows (every position but the last axis), D features. x, y, dy, dx [M, D]; gamma, beta [D];
// mean, rstd [M]. Forward: one pass per row gathers Σx and Σx² in f64 (var = Σx²/D − mean², exact
// enough in f64 for f32 data), then y = (x − mean)·rstd·gamma + beta with rstd = 1/√(var + eps).
// Backward: one pass per row gathers Σg and Σg·x̂ in f64 (g = dy·gamma, x̂ = (x − mean)·rstd), then
// dx = rstd·(g − Σg/D − x̂·Σg·x̂/D); dgamma = Σ_rows dy·x̂, dbeta = Σ_rows dy (f32, overwritten).

// @ts-ignore: decorator
@inline function lo_f64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

// @ts-ignore: decorator
@inline function hi_f64(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
}

// @ts-ignore: decorator
@inline function hsum2(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

// gamma, beta may be 0 (scale = false: 1; center = false: 0). mean and rstd (may be 0) are kept for
// the backward pass.
export function layer_norm_forward(M: i32, D: i32, eps: f32, x: usize, gamma: usize, beta: usize, y: usize, mean: usize, rstd: usize): void {
  if (D <= 0) return;
  const D4 = D & ~3;
  const rowBytes = <usize>D << 2;
  for (let m = 0; m < M; m++) {
    const xr = x + <usize>m * rowBytes, yr = y + <usize>m * rowBytes;
    let s1 = f64x2.splat(0), s2 = f64x2.splat(0), t1 = f64x2.splat(0), t2 = f64x2.splat(0);
    let d = 0;
    for (; d < D4; d += 4) {
      const v = v128.load(xr + (<usize>d << 2));
      const a = lo_f64(v), b = hi_f64(v);
      s1 = f64x2.add(s1, a); t1 = f64x2.add(t1, b);
      s2 = f64x2.add(s2, f64x2.mul(a, a)); t2 = f64x2.add(t2, f64x2.mul(b, b));
    }
    let sum = hsum2(f64x2.add(s1, t1)), sq = hsum2(f64x2.add(s2, t2));
    for (; d < D; d++) {
      const v = <f64>load<f32>(xr + (<usize>d << 2));
      sum += v; sq += v * v;
    }
    const mu = sum / <f64>D;
    let variance = sq / <f64>D - mu * mu;
    if (variance < 0) variance = 0;
    const r = <f32>(1.0 / Math.sqrt(variance + <f64>eps));
    const muf = <f32>mu;
    if (mean) store<f32>(mean + (<usize>m << 2), muf);
    if (rstd) store<f32>(rstd + (<usize>m << 2), r);
    const mv = f32x4.splat(muf), rv = f32x4.splat(r);
    d = 0;
    for (; d < D4; d += 4) {
      const o = <usize>d << 2;
      let v = f32x4.mul(f32x4.sub(v128.load(xr + o), mv), rv);
      if (gamma) v = f32x4.mul(v, v128.load(gamma + o));
      if (beta) v = f32x4.add(v, v128.load(beta + o));
      v128.store(yr + o, v);
    }
    for (; d < D; d++) {
      const o = <usize>d << 2;
      let v = (load<f32>(xr + o) - muf) * r;
      if (gamma) v *= load<f32>(gamma + o);
      if (beta) v += load<f32>(beta + o);
      store<f32>(yr + o, v);
    }
  }
}

// From x, gamma (0: 1), the forward pass's mean and rstd, and dy: dx (may be 0), dgamma (may be 0),
// dbeta (may be 0), all overwritten. dx may be dy.
export function layer_norm_backward(M: i32, D: i32, x: usize, gamma: usize, mean: usize, rstd: usize, dy: usize, dx: usize, dgamma: usize, dbeta: usize): void {
  if (D <= 0) return;
  const D4 = D & ~3;
  const rowBytes = <usize>D << 2;
  if (dgamma) memory.fill(dgamma, 0, rowBytes);
  if (dbeta) memory.fill(dbeta, 0, rowBytes);
  const invD = 1.0 / <f64>D;
  for (let m = 0; m < M; m++) {
    const xr = x + <usize>m * rowBytes, dyr = dy + <usize>m * rowBytes, dxr = dx + <usize>m * rowBytes;
    const muf = load<f32>(mean + (<usize>m << 2)), r = load<f32>(rstd + (<usize>m << 2));
    const mv = f32x4.splat(muf), rv = f32x4.splat(r);
    // One pass: Σg, Σg·x̂ (f64) for dx, and the parameter gradients.
    let s1 = f64x2.splat(0), s2 = f64x2.splat(0), t1 = f64x2.splat(0), t2 = f64x2.splat(0);
    let d = 0;
    for (; d < D4; d += 4) {
      const o = <usize>d << 2;
      const g0 = v128.load(dyr + o);
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + o), mv), rv);
      if (dgamma) v128.store(dgamma + o, f32x4.add(v128.load(dgamma + o), f32x4.mul(g0, xh)));
      if (dbeta) v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o), g0));
      const g = gamma ? f32x4.mul(g0, v128.load(gamma + o)) : g0;
      const ga = lo_f64(g), gb = hi_f64(g);
      s1 = f64x2.add(s1, ga); t1 = f64x2.add(t1, gb);
      s2 = f64x2.add(s2, f64x2.mul(ga, lo_f64(xh))); t2 = f64x2.add(t2, f64x2.mul(gb, hi_f64(xh)));
    }
    let sg = hsum2(f64x2.add(s1, t1)), sgx = hsum2(f64x2.add(s2, t2));
    for (; d < D; d++) {
      const o = <usize>d << 2;
      const g0 = load<f32>(dyr + o);
      const xh = (load<f32>(xr + o) - muf) * r;
      if (dgamma) store<f32>(dgamma + o, load<f32>(dgamma + o) + g0 * xh);
      if (dbeta) store<f32>(dbeta + o, load<f32>(dbeta + o) + g0);
      const g = gamma ? g0 * load<f32>(gamma + o) : g0;
      sg += <f64>g; sgx += <f64>g * <f64>xh;
    }
    if (!dx) continue;
    const a = <f32>(sg * invD), c = <f32>(sgx * invD);
    const av = f32x4.splat(a), cv = f32x4.splat(c);
    d = 0;
    for (; d < D4; d += 4) {
      const o = <usize>d << 2;
      const g0 = v128.load(dyr + o);
      const g = gamma ? f32x4.mul(g0, v128.load(gamma + o)) : g0;
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + o), mv), rv);
      v128.store(dxr + o, f32x4.mul(rv, f32x4.sub(f32x4.sub(g, av), f32x4.mul(xh, cv))));
    }
    for (; d < D; d++) {
      const o = <usize>d << 2;
      const g0 = load<f32>(dyr + o);
      const g = gamma ? g0 * load<f32>(gamma + o) : g0;
      const xh = (load<f32>(xr + o) - muf) * r;
      store<f32>(dxr + o, r * (g - a - xh * c));
    }
  }
}
