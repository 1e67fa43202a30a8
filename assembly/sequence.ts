// Elementwise helpers, embedding, masking, Bidirectional merge. ABI: README.md in this folder.

export function copy_f32(n: i32, src: usize, dst: usize): void { unreachable(); }
export function fill_f32(n: i32, dst: usize, v: f32): void { unreachable(); }
export function mul_f32(n: i32, a: usize, b: usize, out: usize): void { unreachable(); }
export function add_f32(n: i32, a: usize, b: usize, out: usize): void { unreachable(); }
export function gather_rows(nIdx: i32, F: i32, src: usize, idx: usize, dst: usize): void { unreachable(); }
export function embedding_check_ids(n: i32, ids: usize, V: i32): i32 { unreachable(); return 0; }
export function embedding_forward(N: i32, D: i32, ids: usize, table: usize, out: usize): void { unreachable(); }
export function embedding_backward(N: i32, D: i32, ids: usize, dout: usize, dtable: usize): void { unreachable(); }
export function mask_from_values(B: i32, T: i32, F: i32, x: usize, maskValue: f32, mask: usize): void { unreachable(); }
export function mask_from_ids(N: i32, ids: usize, mask: usize): void { unreachable(); }
export function merge_forward(mode: i32, B: i32, T: i32, H: i32, a: usize, b: usize, out: usize, reverseB: i32): void { unreachable(); }
export function merge_backward(mode: i32, B: i32, T: i32, H: i32, a: usize, b: usize, dout: usize, da: usize, db: usize, reverseB: i32): void { unreachable(); }
export function last_step(B: i32, T: i32, H: i32, seq: usize, out: usize): void { unreachable(); }
