// Losses and metrics. ABI: README.md in this folder.
// N = rows, D = features per row.

export function loss_forward_backward(kind: i32, N: i32, D: i32, yPred: usize, yTrue: usize, grad: usize, gradScale: f32): f64 { unreachable(); return 0; }

export function metric_sum(kind: i32, N: i32, D: i32, yPred: usize, yTrue: usize, fromLogits: i32): f64 { unreachable(); return 0; }
