// SimpleRNN forward and backward (Keras layout). ABI: README.md in this folder.
// B = batch, T = steps, I = input features, H = units.

export function rnn_scratch_size(B: i32, T: i32, I: i32, H: i32, flags: i32): i32 { unreachable(); return 0; }

export function rnn_forward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32,
  x: usize, W: usize, U: usize, bias: usize, h0: usize, mask: usize, xDrop: usize, hDrop: usize,
  hseq: usize, hT: usize, scratch: usize): void { unreachable(); }

export function rnn_backward(B: i32, T: i32, I: i32, H: i32, flags: i32, act: i32,
  x: usize, W: usize, U: usize, h0: usize, mask: usize, xDrop: usize, hDrop: usize,
  hseq: usize, dhseq: usize, dhT: usize,
  dW: usize, dU: usize, db: usize, dx: usize, dh0: usize, scratch: usize): void { unreachable(); }
