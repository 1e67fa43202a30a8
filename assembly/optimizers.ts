// Optimizer updates, clipping, regularization: one call over the whole parameter block. ABI: README.md.
// n = number of parameters; w weights, g gradients, the rest optimizer slots of n floats each.
// Every loop is f32x4 over the first n & ~3 entries and a scalar tail with the same formula.
import { madd } from "./common";

// Keras SGD: v = m·v - lr·g, then w += v, or with Nesterov w += m·v - lr·g (v already updated).
// TF.js keeps acc = m·acc + g and steps by -lr·acc: the same weights while lr stays fixed.
export function sgd_update(n: i32, w: usize, g: usize, vel: usize, lr: f32, momentum: f32, nesterov: i32): void {
  const n4 = n & ~3;
  const nlr = f32x4.splat(-lr);
  if (momentum == 0 || vel == 0) {
    // Plain SGD: the velocity slot is not read, so it may be absent.
    let i = 0;
    for (; i < n4; i += 4) {
      const o = <usize>i << 2;
      v128.store(w + o, madd(nlr, v128.load(g + o), v128.load(w + o)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(w + o, load<f32>(w + o) - lr * load<f32>(g + o));
    }
    return;
  }
  const mv = f32x4.splat(momentum);
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const step = f32x4.mul(nlr, v128.load(g + o));
    const v = madd(mv, v128.load(vel + o), step);
    v128.store(vel + o, v);
    const upd = nesterov ? madd(mv, v, step) : v;
    v128.store(w + o, f32x4.add(v128.load(w + o), upd));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const step = -lr * load<f32>(g + o);
    const v = momentum * load<f32>(vel + o) + step;
    store<f32>(vel + o, v);
    store<f32>(w + o, load<f32>(w + o) + (nesterov ? momentum * v + step : v));
  }
}

// TF.js Adam: w -= lr · m̂ / (sqrt(v̂) + eps) with m̂ = m/(1-β1^t), v̂ = v/(1-β2^t). Folding the two
// corrections into one step size needs eps scaled too: lr_t · m / (sqrt(v) + eps·sqrt(1-β2^t)),
// lr_t = lr·sqrt(1-β2^t)/(1-β1^t); that is TF.js exactly, one multiply per weight cheaper.
export function adam_update(n: i32, w: usize, g: usize, m: usize, v: usize, lr: f32, beta1: f32, beta2: f32, eps: f32, step: i32): void {
  const t = <f64>max<i32>(step, 1);
  const c1 = 1.0 - Math.pow(<f64>beta1, t);
  const c2 = 1.0 - Math.pow(<f64>beta2, t);
  const lrT = <f32>(<f64>lr * Math.sqrt(c2) / c1);
  const epsT = <f32>(<f64>eps * Math.sqrt(c2));
  const b1 = f32x4.splat(beta1), b2 = f32x4.splat(beta2);
  const ob1 = f32x4.splat(1 - beta1), ob2 = f32x4.splat(1 - beta2);
  const nlrv = f32x4.splat(-lrT), epsv = f32x4.splat(epsT);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const gv = v128.load(g + o);
    const mt = madd(b1, v128.load(m + o), f32x4.mul(ob1, gv));
    const vt = madd(b2, v128.load(v + o), f32x4.mul(ob2, f32x4.mul(gv, gv)));
    v128.store(m + o, mt);
    v128.store(v + o, vt);
    const d = f32x4.div(mt, f32x4.add(f32x4.sqrt(vt), epsv));
    v128.store(w + o, madd(nlrv, d, v128.load(w + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gs = load<f32>(g + o);
    const mt = beta1 * load<f32>(m + o) + (1 - beta1) * gs;
    const vt = beta2 * load<f32>(v + o) + (1 - beta2) * gs * gs;
    store<f32>(m + o, mt);
    store<f32>(v + o, vt);
    store<f32>(w + o, load<f32>(w + o) - lrT * (mt / (Mathf.sqrt(vt) + epsT)));
  }
}

// Keras RMSprop: ms = ρ·ms + (1-ρ)·g²; without momentum w -= lr·g/(sqrt(ms)+eps), and the mom slot
// is not touched (it may be absent); with momentum mom = momentum·mom + lr·g/(sqrt(ms)+eps), w -= mom.
export function rmsprop_update(n: i32, w: usize, g: usize, ms: usize, mom: usize, lr: f32, rho: f32, eps: f32, momentum: f32): void {
  const rv = f32x4.splat(rho), orv = f32x4.splat(1 - rho);
  const lrv = f32x4.splat(lr), epsv = f32x4.splat(eps), mv = f32x4.splat(momentum);
  const useMom = momentum != 0 && mom != 0;
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const gv = v128.load(g + o);
    const s = madd(rv, v128.load(ms + o), f32x4.mul(orv, f32x4.mul(gv, gv)));
    v128.store(ms + o, s);
    let d = f32x4.div(f32x4.mul(lrv, gv), f32x4.add(f32x4.sqrt(s), epsv));
    if (useMom) {
      d = madd(mv, v128.load(mom + o), d);
      v128.store(mom + o, d);
    }
    v128.store(w + o, f32x4.sub(v128.load(w + o), d));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gs = load<f32>(g + o);
    const s = rho * load<f32>(ms + o) + (1 - rho) * gs * gs;
    store<f32>(ms + o, s);
    let d = lr * gs / (Mathf.sqrt(s) + eps);
    if (useMom) {
      d = momentum * load<f32>(mom + o) + d;
      store<f32>(mom + o, d);
    }
    store<f32>(w + o, load<f32>(w + o) - d);
  }
}

// Squares of f32 values are exact in f64 (24-bit mantissas), so only the additions round.
// @ts-ignore: decorator
@inline function sq_f64x2(x: v128, lo: v128): v128 {
  const a = f64x2.promote_low_f32x4(x);
  return f64x2.add(lo, f64x2.mul(a, a));
}

// @ts-ignore: decorator
@inline function high_half(x: v128): v128 {
  return v128.shuffle<f32>(x, x, 2, 3, 2, 3);
}

export function sum_squares(n: i32, p: usize): f64 {
  // Four f64x2 accumulators: two per f32x4 half, over two vectors per iteration.
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
  const n8 = n & ~7, n4 = n & ~3;
  let i = 0;
  for (; i < n8; i += 8) {
    const o = <usize>i << 2;
    const x = v128.load(p + o), y = v128.load(p + o + 16);
    a0 = sq_f64x2(x, a0);
    a1 = sq_f64x2(high_half(x), a1);
    a2 = sq_f64x2(y, a2);
    a3 = sq_f64x2(high_half(y), a3);
  }
  for (; i < n4; i += 4) {
    const x = v128.load(p + (<usize>i << 2));
    a0 = sq_f64x2(x, a0);
    a1 = sq_f64x2(high_half(x), a1);
  }
  const acc = f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3));
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < n; i++) {
    const x = <f64>load<f32>(p + (<usize>i << 2));
    s += x * x;
  }
  return s;
}

export function scale_inplace(n: i32, p: usize, s: f32): void {
  const sv = f32x4.splat(s);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(p + o, f32x4.mul(v128.load(p + o), sv));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(p + o, load<f32>(p + o) * s);
  }
}

// Clamps to [-c, c]; NaN stays NaN (f32x4.min/max propagate it), so count_nonfinite still sees it.
export function clip_by_value(n: i32, p: usize, c: f32): void {
  const hi = f32x4.splat(c), lo = f32x4.splat(-c);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(p + o, f32x4.min(f32x4.max(v128.load(p + o), lo), hi));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(p + o);
    store<f32>(p + o, x != x ? x : x < -c ? -c : x > c ? c : x);
  }
}

// NaN and ±Inf are exactly the f32 patterns whose exponent bits are all ones.
const EXP_MASK: i32 = 0x7f800000;

export function count_nonfinite(n: i32, p: usize): i32 {
  const em = i32x4.splat(EXP_MASK);
  let acc = i32x4.splat(0);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const e = v128.and(v128.load(p + (<usize>i << 2)), em);
    // A matching lane is all ones, i.e. -1: subtracting counts it.
    acc = i32x4.sub(acc, i32x4.eq(e, em));
  }
  let c = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (; i < n; i++) {
    if ((load<i32>(p + (<usize>i << 2)) & EXP_MASK) == EXP_MASK) c++;
  }
  return c;
}

// The penalty l2·Σw² (Keras regularizers.l2) and its gradient 2·l2·w added into g.
export function l2_penalty_grad(n: i32, w: usize, g: usize, l2: f32): f64 {
  const k = f32x4.splat(2 * l2);
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const x = v128.load(w + o);
    v128.store(g + o, madd(k, x, v128.load(g + o)));
    a0 = sq_f64x2(x, a0);
    a1 = sq_f64x2(high_half(x), a1);
  }
  const acc = f64x2.add(a0, a1);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(w + o);
    store<f32>(g + o, load<f32>(g + o) + 2 * l2 * x);
    s += <f64>x * <f64>x;
  }
  return <f64>l2 * s;
}

// Keras 3 AdamW (and Adam as Keras 3 writes it): m += (g - m)(1-β1), v += (g² - v)(1-β2),
// w -= α·m / (sqrt(v) + eps) with α = lr·sqrt(1-β2^t)/(1-β1^t). Unlike adam_update (TF.js), eps is
// not scaled by the bias correction. The decoupled weight decay is weight_decay_f32, called first.
export function adamw_update(n: i32, w: usize, g: usize, m: usize, v: usize, lr: f32, beta1: f32, beta2: f32, eps: f32, step: i32): void {
  const t = <f64>max<i32>(step, 1);
  const alpha = <f32>(<f64>lr * Math.sqrt(1.0 - Math.pow(<f64>beta2, t)) / (1.0 - Math.pow(<f64>beta1, t)));
  const ob1 = f32x4.splat(1 - beta1), ob2 = f32x4.splat(1 - beta2);
  const nav = f32x4.splat(-alpha), epsv = f32x4.splat(eps);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const gv = v128.load(g + o);
    const m0 = v128.load(m + o), v0 = v128.load(v + o);
    const mt = madd(f32x4.sub(gv, m0), ob1, m0);
    const vt = madd(f32x4.sub(f32x4.mul(gv, gv), v0), ob2, v0);
    v128.store(m + o, mt);
    v128.store(v + o, vt);
    v128.store(w + o, madd(nav, f32x4.div(mt, f32x4.add(f32x4.sqrt(vt), epsv)), v128.load(w + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gs = load<f32>(g + o);
    const m0 = load<f32>(m + o), v0 = load<f32>(v + o);
    const mt = m0 + (gs - m0) * (1 - beta1);
    const vt = v0 + (gs * gs - v0) * (1 - beta2);
    store<f32>(m + o, mt);
    store<f32>(v + o, vt);
    store<f32>(w + o, load<f32>(w + o) - alpha * (mt / (Mathf.sqrt(vt) + eps)));
  }
}

// Keras 3 Nadam. u_s = β1·(1 - 0.5·0.96^s); at step t (1-based) with P_t = u_1···u_t:
// m̂ = u_{t+1}·m / (1 - P_t·u_{t+1}) + (1 - u_t)·g / (1 - P_t), v̂ = v / (1 - β2^t),
// w -= lr·m̂ / (sqrt(v̂) + eps). P_t is the product Keras keeps in a variable; here it is recomputed
// from t (its factors are exactly β1 in f64 once 0.5·0.96^s < 2^-53, s > 940), so Nadam needs no
// state beyond m and v and the step count.
export function nadam_update(n: i32, w: usize, g: usize, m: usize, v: usize, lr: f32, beta1: f32, beta2: f32, eps: f32, step: i32): void {
  const t = max<i32>(step, 1);
  const b1 = <f64>beta1;
  let prod: f64 = 1, p96: f64 = 1;
  const exact = min<i32>(t, 1000);
  for (let s = 1; s <= exact; s++) {
    p96 *= 0.96;
    prod *= b1 * (1.0 - 0.5 * p96);
  }
  if (t > exact) prod *= Math.pow(b1, <f64>(t - exact));
  const ut = b1 * (1.0 - 0.5 * Math.pow(0.96, <f64>t));
  const ut1 = b1 * (1.0 - 0.5 * Math.pow(0.96, <f64>(t + 1)));
  const cm = <f32>(ut1 / (1.0 - prod * ut1));
  const cg = <f32>((1.0 - ut) / (1.0 - prod));
  const cv = <f32>(1.0 / (1.0 - Math.pow(<f64>beta2, <f64>t)));
  const ob1 = f32x4.splat(1 - beta1), ob2 = f32x4.splat(1 - beta2);
  const cmv = f32x4.splat(cm), cgv = f32x4.splat(cg), cvv = f32x4.splat(cv);
  const nlr = f32x4.splat(-lr), epsv = f32x4.splat(eps);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const gv = v128.load(g + o);
    const m0 = v128.load(m + o), v0 = v128.load(v + o);
    const mt = madd(f32x4.sub(gv, m0), ob1, m0);
    const vt = madd(f32x4.sub(f32x4.mul(gv, gv), v0), ob2, v0);
    v128.store(m + o, mt);
    v128.store(v + o, vt);
    const mh = madd(cmv, mt, f32x4.mul(cgv, gv));
    const vh = f32x4.mul(vt, cvv);
    v128.store(w + o, madd(nlr, f32x4.div(mh, f32x4.add(f32x4.sqrt(vh), epsv)), v128.load(w + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gs = load<f32>(g + o);
    const m0 = load<f32>(m + o), v0 = load<f32>(v + o);
    const mt = m0 + (gs - m0) * (1 - beta1);
    const vt = v0 + (gs * gs - v0) * (1 - beta2);
    store<f32>(m + o, mt);
    store<f32>(v + o, vt);
    const mh = cm * mt + cg * gs;
    store<f32>(w + o, load<f32>(w + o) - lr * (mh / (Mathf.sqrt(vt * cv) + eps)));
  }
}

// Keras 3 / TF.js Adagrad: acc += g², w -= lr·g / sqrt(acc + eps), acc starting at
// initial_accumulator_value. The slot holds acc - init (zero-initialized slots then need no fill;
// src/ adds init back when it reads the state out), so the kernel adds `init` before the sqrt.
export function adagrad_update(n: i32, w: usize, g: usize, acc: usize, lr: f32, init: f32, eps: f32): void {
  const nlr = f32x4.splat(-lr), off = f32x4.splat(init + eps);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const gv = v128.load(g + o);
    const a = madd(gv, gv, v128.load(acc + o));
    v128.store(acc + o, a);
    v128.store(w + o, madd(nlr, f32x4.div(gv, f32x4.sqrt(f32x4.add(a, off))), v128.load(w + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gs = load<f32>(g + o);
    const a = load<f32>(acc + o) + gs * gs;
    store<f32>(acc + o, a);
    store<f32>(w + o, load<f32>(w + o) - lr * (gs / Mathf.sqrt(a + init + eps)));
  }
}

// Keras 3 / TF.js Adamax: m += (g - m)(1-β1), u = max(β2·u, |g|), w -= lr·m / ((1-β1^t)(u + eps)).
export function adamax_update(n: i32, w: usize, g: usize, m: usize, u: usize, lr: f32, beta1: f32, beta2: f32, eps: f32, step: i32): void {
  const t = <f64>max<i32>(step, 1);
  const k = <f32>(<f64>lr / (1.0 - Math.pow(<f64>beta1, t)));
  const ob1 = f32x4.splat(1 - beta1), b2 = f32x4.splat(beta2);
  const nk = f32x4.splat(-k), epsv = f32x4.splat(eps);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const gv = v128.load(g + o);
    const m0 = v128.load(m + o);
    const mt = madd(f32x4.sub(gv, m0), ob1, m0);
    const ut = f32x4.max(f32x4.mul(b2, v128.load(u + o)), f32x4.abs(gv));
    v128.store(m + o, mt);
    v128.store(u + o, ut);
    v128.store(w + o, madd(nk, f32x4.div(mt, f32x4.add(ut, epsv)), v128.load(w + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gs = load<f32>(g + o);
    const m0 = load<f32>(m + o);
    const mt = m0 + (gs - m0) * (1 - beta1);
    const ut = max<f32>(beta2 * load<f32>(u + o), Mathf.abs(gs));
    store<f32>(m + o, mt);
    store<f32>(u + o, ut);
    store<f32>(w + o, load<f32>(w + o) - k * (mt / (ut + eps)));
  }
}

// Keras 3's decoupled weight decay (every optimizer's weight_decay; AdamW's default 0.004):
// w -= w·d with d = lr·weight_decay, before the update. Written as a subtraction, not w·(1-d),
// so a small d is not rounded away by 1-d.
export function weight_decay_f32(n: i32, w: usize, d: f32): void {
  const nd = f32x4.splat(-d);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const x = v128.load(w + o);
    v128.store(w + o, madd(nd, x, x));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(w + o);
    store<f32>(w + o, x - x * d);
  }
}
