// Types for tiny-lstm.js (plain JS, so Deno, Node and an installed package's project run it as is).
import type * as Lib from '../../src/index.js';

export interface TinyRun { build: string; losses: number[]; predictions: number[]; targets: number[] }
export declare function sineData(n?: number, T?: number): { x: Lib.Tensor; y: Lib.Tensor };
export declare function trainTinyLstm(lib: typeof Lib, options?: { relaxedSimd?: boolean; epochs?: number; seed?: number }): Promise<TinyRun>;
