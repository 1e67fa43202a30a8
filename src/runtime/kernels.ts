// The kernels' exports as TypeScript sees them: keep in step with assembly/index.ts and assembly/README.md.
export interface Kernels {
  memory: WebAssembly.Memory;
  heap_base(): number;
  is_relaxed(): number;
  gemm_packed_size(K: number, N: number): number;
  gemm_pack_b(b: number, ldb: number, K: number, N: number, transB: number, dst: number): void;
  gemm_packed(
    M: number,
    N: number,
    K: number,
    a: number,
    lda: number,
    transA: number,
    bp: number,
    c: number,
    ldc: number,
    accumulate: number,
  ): void;
  gemm_scratch_size(K: number, N: number): number;
  gemm(
    M: number,
    N: number,
    K: number,
    a: number,
    lda: number,
    transA: number,
    b: number,
    ldb: number,
    transB: number,
    c: number,
    ldc: number,
    accumulate: number,
    scratch: number,
  ): void;
  act_forward(code: number, n: number, x: number, y: number): void;
  act_backward(code: number, n: number, y: number, dy: number, dx: number): void;
  softmax_rows(M: number, N: number, x: number, y: number): void;
  softmax_rows_backward(M: number, N: number, y: number, dy: number, dx: number): void;
  lstm_scratch_size(B: number, T: number, I: number, H: number, flags: number): number;
  lstm_forward(
    B: number,
    T: number,
    I: number,
    H: number,
    flags: number,
    act: number,
    recAct: number,
    x: number,
    W: number,
    U: number,
    bias: number,
    peep: number,
    h0: number,
    c0: number,
    mask: number,
    xDrop: number,
    hDrop: number,
    gates: number,
    cseq: number,
    hseq: number,
    hT: number,
    cT: number,
    scratch: number,
  ): void;
  lstm_backward(
    B: number,
    T: number,
    I: number,
    H: number,
    flags: number,
    act: number,
    recAct: number,
    x: number,
    W: number,
    U: number,
    peep: number,
    h0: number,
    c0: number,
    mask: number,
    xDrop: number,
    hDrop: number,
    gates: number,
    cseq: number,
    hseq: number,
    dhseq: number,
    dhT: number,
    dcT: number,
    dW: number,
    dU: number,
    db: number,
    dpeep: number,
    dx: number,
    dh0: number,
    dc0: number,
    scratch: number,
  ): void;
  gru_scratch_size(B: number, T: number, I: number, H: number, flags: number): number;
  gru_forward(
    B: number,
    T: number,
    I: number,
    H: number,
    flags: number,
    act: number,
    recAct: number,
    x: number,
    W: number,
    U: number,
    bias: number,
    h0: number,
    mask: number,
    xDrop: number,
    hDrop: number,
    gates: number,
    hrec: number,
    hseq: number,
    hT: number,
    scratch: number,
  ): void;
  gru_backward(
    B: number,
    T: number,
    I: number,
    H: number,
    flags: number,
    act: number,
    recAct: number,
    x: number,
    W: number,
    U: number,
    bias: number,
    h0: number,
    mask: number,
    xDrop: number,
    hDrop: number,
    gates: number,
    hrec: number,
    hseq: number,
    dhseq: number,
    dhT: number,
    dW: number,
    dU: number,
    db: number,
    dx: number,
    dh0: number,
    scratch: number,
  ): void;
  rnn_scratch_size(B: number, T: number, I: number, H: number, flags: number): number;
  rnn_forward(
    B: number,
    T: number,
    I: number,
    H: number,
    flags: number,
    act: number,
    x: number,
    W: number,
    U: number,
    bias: number,
    h0: number,
    mask: number,
    xDrop: number,
    hDrop: number,
    hseq: number,
    hT: number,
    scratch: number,
  ): void;
  rnn_backward(
    B: number,
    T: number,
    I: number,
    H: number,
    flags: number,
    act: number,
    x: number,
    W: number,
    U: number,
    h0: number,
    mask: number,
    xDrop: number,
    hDrop: number,
    hseq: number,
    dhseq: number,
    dhT: number,
    dW: number,
    dU: number,
    db: number,
    dx: number,
    dh0: number,
    scratch: number,
  ): void;
  dense_scratch_size(M: number, N: number, K: number): number;
  dense_forward(
    M: number,
    N: number,
    K: number,
    act: number,
    x: number,
    W: number,
    bias: number,
    y: number,
    scratch: number,
  ): void;
  dense_backward(
    M: number,
    N: number,
    K: number,
    act: number,
    x: number,
    W: number,
    y: number,
    dy: number,
    dW: number,
    db: number,
    dx: number,
    scratch: number,
  ): void;
  loss_forward_backward(
    kind: number,
    N: number,
    D: number,
    yPred: number,
    yTrue: number,
    grad: number,
    gradScale: number,
    /** The loss's parameter (Huber's delta); the other kinds ignore it, so it may be left out for them. */
    param?: number,
  ): number;
  /** param: top-k accuracy's k (absent: 5); the other kinds ignore it. */
  metric_sum(
    kind: number,
    N: number,
    D: number,
    yPred: number,
    yTrue: number,
    fromLogits: number,
    param?: number,
  ): number;
  sgd_update(n: number, w: number, g: number, vel: number, lr: number, momentum: number, nesterov: number): void;
  adam_update(
    n: number,
    w: number,
    g: number,
    m: number,
    v: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    step: number,
  ): void;
  rmsprop_update(
    n: number,
    w: number,
    g: number,
    ms: number,
    mom: number,
    lr: number,
    rho: number,
    eps: number,
    momentum: number,
  ): void;
  adamw_update(
    n: number,
    w: number,
    g: number,
    m: number,
    v: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    step: number,
  ): void;
  nadam_update(
    n: number,
    w: number,
    g: number,
    m: number,
    v: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    step: number,
  ): void;
  adagrad_update(n: number, w: number, g: number, acc: number, lr: number, init: number, eps: number): void;
  adamax_update(
    n: number,
    w: number,
    g: number,
    m: number,
    u: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    step: number,
  ): void;
  weight_decay_f32(n: number, w: number, d: number): void;
  metric_state_size(kind: number): number;
  metric_state_acc(kind: number, N: number, D: number, yPred: number, yTrue: number, state: number): void;
  metric_state_result(kind: number, state: number): number;
  sum_squares(n: number, p: number): number;
  scale_inplace(n: number, p: number, s: number): void;
  clip_by_value(n: number, p: number, c: number): void;
  count_nonfinite(n: number, p: number): number;
  l2_penalty_grad(n: number, w: number, g: number, l2: number): number;
  rng_seed(state: number, seed: number): void;
  rng_uniform(state: number, n: number, out: number, lo: number, hi: number): void;
  rng_normal(state: number, n: number, out: number, mean: number, std: number): void;
  rng_dropout_mask(state: number, n: number, out: number, rate: number): void;
  rng_shuffle_indices(state: number, n: number, out: number): void;
  init_orthogonal_scratch_size(rows: number, cols: number): number;
  init_orthogonal(state: number, rows: number, cols: number, out: number, gain: number, scratch: number): void;
  copy_f32(n: number, src: number, dst: number): void;
  fill_f32(n: number, dst: number, v: number): void;
  mul_f32(n: number, a: number, b: number, out: number): void;
  add_f32(n: number, a: number, b: number, out: number): void;
  gather_rows(nIdx: number, F: number, src: number, idx: number, dst: number): void;
  embedding_check_ids(n: number, ids: number, V: number): number;
  embedding_forward(N: number, D: number, ids: number, table: number, out: number): void;
  embedding_backward(N: number, D: number, ids: number, dout: number, dtable: number): void;
  mask_from_values(B: number, T: number, F: number, x: number, maskValue: number, mask: number): void;
  mask_from_ids(N: number, ids: number, mask: number): void;
  merge_forward(
    mode: number,
    B: number,
    T: number,
    H: number,
    a: number,
    b: number,
    out: number,
    reverseB: number,
  ): void;
  merge_backward(
    mode: number,
    B: number,
    T: number,
    H: number,
    a: number,
    b: number,
    dout: number,
    da: number,
    db: number,
    reverseB: number,
  ): void;
  last_step(B: number, T: number, H: number, seq: number, out: number): void;
  ew_binary(op: number, n: number, a: number, b: number, out: number): void;
  ew_binary_backward(
    op: number,
    n: number,
    a: number,
    b: number,
    dy: number,
    da: number,
    db: number,
    accumulate: number,
  ): void;
  scale_f32(n: number, x: number, s: number, out: number): void;
  copy_blocks(count: number, len: number, src: number, srcStride: number, dst: number, dstStride: number): void;
  repeat_forward(B: number, n: number, F: number, x: number, out: number): void;
  repeat_backward(B: number, n: number, F: number, dy: number, dx: number): void;
  permute(
    B: number,
    rank: number,
    d0: number,
    d1: number,
    d2: number,
    p0: number,
    p1: number,
    p2: number,
    x: number,
    out: number,
  ): void;
  conv1d_cols_size(B: number, To: number, C: number, K: number): number;
  conv1d_scratch_size(B: number, To: number, C: number, F: number, K: number): number;
  conv1d_forward(
    B: number,
    T: number,
    C: number,
    F: number,
    K: number,
    s: number,
    d: number,
    padL: number,
    To: number,
    act: number,
    x: number,
    W: number,
    bias: number,
    y: number,
    cols: number,
    scratch: number,
  ): void;
  conv1d_backward(
    B: number,
    T: number,
    C: number,
    F: number,
    K: number,
    s: number,
    d: number,
    padL: number,
    To: number,
    act: number,
    W: number,
    y: number,
    dy: number,
    cols: number,
    dW: number,
    db: number,
    dx: number,
    scratch: number,
  ): void;
  pool1d_forward(
    kind: number,
    B: number,
    T: number,
    C: number,
    P: number,
    s: number,
    padL: number,
    To: number,
    x: number,
    y: number,
  ): void;
  pool1d_backward(
    kind: number,
    B: number,
    T: number,
    C: number,
    P: number,
    s: number,
    padL: number,
    To: number,
    x: number,
    dy: number,
    dx: number,
  ): void;
  global_pool1d_forward(kind: number, B: number, T: number, C: number, x: number, mask: number, y: number): void;
  global_pool1d_backward(
    kind: number,
    B: number,
    T: number,
    C: number,
    x: number,
    mask: number,
    dy: number,
    dx: number,
  ): void;
  layer_norm_forward(
    M: number,
    D: number,
    eps: number,
    x: number,
    gamma: number,
    beta: number,
    y: number,
    mean: number,
    rstd: number,
  ): void;
  layer_norm_backward(
    M: number,
    D: number,
    x: number,
    gamma: number,
    mean: number,
    rstd: number,
    dy: number,
    dx: number,
    dgamma: number,
    dbeta: number,
  ): void;
  attn_scratch_size(Tq: number, Tv: number, Dk: number, Dv: number): number;
  attn_scores(
    B: number,
    H: number,
    Tq: number,
    Tv: number,
    D: number,
    q: number,
    ldq: number,
    k: number,
    ldk: number,
    s: number,
    scratch: number,
  ): void;
  attn_scores_backward(
    B: number,
    H: number,
    Tq: number,
    Tv: number,
    D: number,
    q: number,
    ldq: number,
    k: number,
    ldk: number,
    ds: number,
    dq: number,
    dk: number,
    accumulate: number,
    scratch: number,
  ): void;
  attn_softmax(
    B: number,
    H: number,
    Tq: number,
    Tv: number,
    scale: number,
    s: number,
    kmask: number,
    qmask: number,
    amask: number,
    causal: number,
    p: number,
  ): void;
  attn_softmax_backward(
    B: number,
    H: number,
    Tq: number,
    Tv: number,
    scale: number,
    s: number,
    p: number,
    dp: number,
    kmask: number,
    qmask: number,
    amask: number,
    causal: number,
    ds: number,
  ): number;
  attn_apply(
    B: number,
    H: number,
    Tq: number,
    Tv: number,
    D: number,
    p: number,
    v: number,
    ldv: number,
    o: number,
    ldo: number,
    scratch: number,
  ): void;
  attn_apply_backward(
    B: number,
    H: number,
    Tq: number,
    Tv: number,
    D: number,
    p: number,
    v: number,
    ldv: number,
    dout: number,
    ldo: number,
    dp: number,
    dv: number,
    accumulate: number,
    scratch: number,
  ): void;
  attn_additive_scores(
    B: number,
    Tq: number,
    Tv: number,
    D: number,
    q: number,
    k: number,
    w: number,
    a: number,
    c: number,
    s: number,
  ): void;
  attn_additive_backward(
    B: number,
    Tq: number,
    Tv: number,
    D: number,
    q: number,
    k: number,
    w: number,
    a: number,
    c: number,
    ds: number,
    dq: number,
    dk: number,
    accumulate: number,
    dw: number,
    dac: number,
  ): void;
  i8_row_stride(K: number): number;
  i8_packed_size(K: number, N: number): number;
  quantize_cols_i8(K: number, N: number, w: number, q: number, scale: number): void;
  quantize_rows_i8(M: number, K: number, x: number, ldx: number, q: number, ldq: number, scale: number): void;
  i8_pack_b(K: number, N: number, q: number, ldq: number, dst: number): void;
  gemm_i8(
    M: number,
    N: number,
    K: number,
    a: number,
    lda: number,
    sa: number,
    bp: number,
    sb: number,
    bias: number,
    c: number,
    ldc: number,
    accumulate: number,
  ): void;
  gemv_i8(
    N: number,
    K: number,
    a: number,
    sa: number,
    bp: number,
    sb: number,
    bias: number,
    c: number,
    accumulate: number,
  ): void;
  dense_q8_scratch_size(M: number, N: number, K: number): number;
  dense_q8_forward(
    M: number,
    N: number,
    K: number,
    act: number,
    flags: number,
    x: number,
    Wq: number,
    sw: number,
    bias: number,
    y: number,
    scratch: number,
  ): void;
  lstm_q8_scratch_size(B: number, T: number, I: number, H: number, flags: number): number;
  lstm_q8_forward(
    B: number,
    T: number,
    I: number,
    H: number,
    flags: number,
    act: number,
    recAct: number,
    x: number,
    Wq: number,
    sw: number,
    Uq: number,
    su: number,
    bias: number,
    peep: number,
    h0: number,
    c0: number,
    mask: number,
    gates: number,
    cseq: number,
    hseq: number,
    hT: number,
    cT: number,
    scratch: number,
  ): void;
  gru_q8_scratch_size(B: number, T: number, I: number, H: number, flags: number): number;
  gru_q8_forward(
    B: number,
    T: number,
    I: number,
    H: number,
    flags: number,
    act: number,
    recAct: number,
    x: number,
    Wq: number,
    sw: number,
    Uq: number,
    su: number,
    bias: number,
    h0: number,
    mask: number,
    gates: number,
    hrec: number,
    hseq: number,
    hT: number,
    scratch: number,
  ): void;
  rnn_q8_scratch_size(B: number, T: number, I: number, H: number, flags: number): number;
  rnn_q8_forward(
    B: number,
    T: number,
    I: number,
    H: number,
    flags: number,
    act: number,
    x: number,
    Wq: number,
    sw: number,
    Uq: number,
    su: number,
    bias: number,
    h0: number,
    mask: number,
    hseq: number,
    hT: number,
    scratch: number,
  ): void;
  loss_forward_backward_weighted(
    kind: number,
    N: number,
    D: number,
    yPred: number,
    yTrue: number,
    grad: number,
    gradScale: number,
    weights: number,
    R: number,
    /** As loss_forward_backward's param (Huber's delta). */
    param?: number,
  ): number;
  prune_mask_scratch_size(n: number): number;
  prune_mask(n: number, w: number, keep: number, mask: number, scratch: number): number;
  prune_apply(n: number, x: number, mask: number): void;
  quantize_rows_f32_i8(M: number, K: number, w: number, q: number, scale: number): void;
  embedding_q8_scale(N: number, D: number, V: number, ids: number, scale: number, y: number): void;
  conv1d_q8_scratch_size(B: number, To: number, C: number, F: number, K: number): number;
  conv1d_q8_forward(
    B: number,
    T: number,
    C: number,
    F: number,
    K: number,
    s: number,
    d: number,
    padL: number,
    To: number,
    act: number,
    flags: number,
    x: number,
    Wq: number,
    sw: number,
    bias: number,
    y: number,
    cols: number,
    scratch: number,
  ): void;
  // assembly/step.ts: the streaming step (README.md there).
  lstm_step_packed_size(I: number, H: number): number;
  lstm_step_scratch_size(I: number, H: number): number;
  lstm_step_pack(
    I: number,
    H: number,
    flags: number,
    W: number,
    U: number,
    bias: number,
    peep: number,
    dst: number,
  ): void;
  lstm_step(
    B: number,
    I: number,
    H: number,
    flags: number,
    act: number,
    recAct: number,
    x: number,
    pk: number,
    state: number,
    mask: number,
    scratch: number,
  ): void;
  gru_step_packed_size(I: number, H: number): number;
  gru_step_scratch_size(I: number, H: number): number;
  gru_step_pack(I: number, H: number, W: number, U: number, bias: number, dst: number): void;
  gru_step(
    B: number,
    I: number,
    H: number,
    act: number,
    recAct: number,
    x: number,
    pk: number,
    state: number,
    mask: number,
    scratch: number,
  ): void;
  rnn_step_packed_size(I: number, H: number): number;
  rnn_step_scratch_size(I: number, H: number): number;
  rnn_step_pack(I: number, H: number, W: number, U: number, bias: number, dst: number): void;
  rnn_step(
    B: number,
    I: number,
    H: number,
    act: number,
    x: number,
    pk: number,
    state: number,
    mask: number,
    scratch: number,
  ): void;
  dense_step(B: number, N: number, K: number, act: number, x: number, W: number, bias: number, y: number): void;
}
