// Float64 reference for LayerNormalization over the last axis (Keras semantics), forward and backward,
// two passes per row from the definition. Checked against finite differences in
// test/reference-conv.test.ts; the kernels (assembly/norm.ts) against it in test/conv.test.ts.

/** y = (x − mean)/√(var + eps)·gamma + beta per row of D; var the biased (mean of squares) variance. */
export function layerNormForward(M: number, D: number, eps: number, x: ArrayLike<number>, gamma: ArrayLike<number> | null, beta: ArrayLike<number> | null): Float64Array {
  const y = new Float64Array(M * D);
  for (let m = 0; m < M; m++) {
    let mu = 0;
    for (let d = 0; d < D; d++) mu += x[m * D + d];
    mu /= D;
    let v = 0;
    for (let d = 0; d < D; d++) v += (x[m * D + d] - mu) ** 2;
    v /= D;
    const r = 1 / Math.sqrt(v + eps);
    for (let d = 0; d < D; d++) y[m * D + d] = (x[m * D + d] - mu) * r * (gamma ? gamma[d] : 1) + (beta ? beta[d] : 0);
  }
  return y;
}

export function layerNormBackward(M: number, D: number, eps: number, x: ArrayLike<number>, gamma: ArrayLike<number> | null, dy: ArrayLike<number>): { dx: Float64Array; dgamma: Float64Array; dbeta: Float64Array } {
  const dx = new Float64Array(M * D), dgamma = new Float64Array(D), dbeta = new Float64Array(D);
  for (let m = 0; m < M; m++) {
    let mu = 0;
    for (let d = 0; d < D; d++) mu += x[m * D + d];
    mu /= D;
    let v = 0;
    for (let d = 0; d < D; d++) v += (x[m * D + d] - mu) ** 2;
    v /= D;
    const r = 1 / Math.sqrt(v + eps);
    let sg = 0, sgx = 0;
    for (let d = 0; d < D; d++) {
      const xh = (x[m * D + d] - mu) * r, g = dy[m * D + d] * (gamma ? gamma[d] : 1);
      dgamma[d] += dy[m * D + d] * xh;
      dbeta[d] += dy[m * D + d];
      sg += g; sgx += g * xh;
    }
    for (let d = 0; d < D; d++) {
      const xh = (x[m * D + d] - mu) * r, g = dy[m * D + d] * (gamma ? gamma[d] : 1);
      dx[m * D + d] = r * (g - sg / D - xh * sgx / D);
    }
  }
  return { dx, dgamma, dbeta };
}
