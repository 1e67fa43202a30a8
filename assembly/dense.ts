// Dense forward and backward. ABI: README.md in this folder.
// M = rows (batch, or batch·steps), K = input features, N = units.

export function dense_scratch_size(M: i32, N: i32, K: i32): i32 { unreachable(); return 0; }

export function dense_forward(M: i32, N: i32, K: i32, act: i32, x: usize, W: usize, bias: usize, y: usize, scratch: usize): void { unreachable(); }

export function dense_backward(M: i32, N: i32, K: i32, act: i32, x: usize, W: usize, y: usize, dy: usize,
  dW: usize, db: usize, dx: usize, scratch: usize): void { unreachable(); }
