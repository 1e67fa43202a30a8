// LSTM forward and backward (Keras layout, gate order i, f, c, o). ABI: README.md in this folder.
// B = batch, T = steps, I = input features, H = units.

export function lstm_scratch_size(B: i32, T: i32, I: i32, H: i32, flags: i32): i32 { unreachable(); return 0; }

export function lstm_forward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32, recAct: i32,
  x: usize, W: usize, U: usize, bias: usize, peep: usize, h0: usize, c0: usize, mask: usize, xDrop: usize, hDrop: usize,
  gates: usize, cseq: usize, hseq: usize, hT: usize, cT: usize, scratch: usize): void { unreachable(); }

export function lstm_backward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32, recAct: i32,
  x: usize, W: usize, U: usize, peep: usize, h0: usize, c0: usize, mask: usize, xDrop: usize, hDrop: usize,
  gates: usize, cseq: usize, hseq: usize, dhseq: usize, dhT: usize, dcT: usize,
  dW: usize, dU: usize, db: usize, dpeep: usize, dx: usize, dh0: usize, dc0: usize, scratch: usize): void { unreachable(); }
