// GRU forward and backward (Keras layout, gate order z, r, h; resetAfter). ABI: README.md in this folder.
// B = batch, T = steps, I = input features, H = units.

export function gru_scratch_size(B: i32, T: i32, I: i32, H: i32, flags: i32): i32 { unreachable(); return 0; }

export function gru_forward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32, recAct: i32,
  x: usize, W: usize, U: usize, bias: usize, h0: usize, mask: usize, xDrop: usize, hDrop: usize,
  gates: usize, hrec: usize, hseq: usize, hT: usize, scratch: usize): void { unreachable(); }

export function gru_backward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32, recAct: i32,
  x: usize, W: usize, U: usize, bias: usize, h0: usize, mask: usize, xDrop: usize, hDrop: usize,
  gates: usize, hrec: usize, hseq: usize, dhseq: usize, dhT: usize,
  dW: usize, dU: usize, db: usize, dx: usize, dh0: usize, scratch: usize): void { unreachable(); }
