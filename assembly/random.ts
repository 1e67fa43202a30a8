// Seeded random numbers (xoshiro128**, state = 4 u32 at `state`) and initializers. ABI: README.md.

export function rng_seed(state: usize, seed: u32): void { unreachable(); }
export function rng_uniform(state: usize, n: i32, out: usize, lo: f32, hi: f32): void { unreachable(); }
export function rng_normal(state: usize, n: i32, out: usize, mean: f32, std: f32): void { unreachable(); }
export function rng_dropout_mask(state: usize, n: i32, out: usize, rate: f32): void { unreachable(); }
export function rng_shuffle_indices(state: usize, n: i32, out: usize): void { unreachable(); }
export function init_orthogonal_scratch_size(rows: i32, cols: i32): i32 { unreachable(); return 0; }
export function init_orthogonal(state: usize, rows: i32, cols: i32, out: usize, gain: f32, scratch: usize): void { unreachable(); }
