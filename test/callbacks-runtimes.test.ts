// ModelCheckpoint, CSVLogger and BackupAndRestore under Node, Deno and Bun: the same script
// (test/platforms/checkpoint-check.mjs) writes the checkpoints (atomically, through node:fs) and
// the CSV log, the last checkpoint loads back with the trained weights, a missing folder is named,
// and a fit interrupted and run again resumes from its backup and ends bit-identical.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, findDeno, requireDist } from './platforms/tools.js';

const deno = findDeno();
const bun = join(ROOT, 'node_modules', '.bin', 'bun');
const RUNTIMES: { name: string; cmd: string | null; args: string[] }[] = [
  { name: 'node', cmd: process.execPath, args: [] },
  { name: 'deno', cmd: deno, args: ['run', '--no-prompt', '--no-lock', '--quiet', '-A'] },
  { name: 'bun', cmd: existsSync(bun) ? bun : null, args: ['run'] },
];

describe('file callbacks on each runtime', () => {
  for (const rt of RUNTIMES)
    it.skipIf(!rt.cmd)(`${rt.name}: ModelCheckpoint and CSVLogger write their files; the checkpoint loads back; BackupAndRestore resumes bit-identical`, () => {
      requireDist(['dist/index.js']);
      const dir = mkdtempSync(join(tmpdir(), `lstm-wasm-ckpt-${rt.name}-`));
      try {
        const out = execFileSync(rt.cmd!, [...rt.args, join(ROOT, 'test', 'platforms', 'checkpoint-check.mjs'), dir], {
          cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
        });
        const r = JSON.parse(out.trim().split('\n').pop()!) as {
          files: string[]; csvLines: number; sameWeights: boolean; missingDir: string;
          backup: { interrupted: string; backupFiles: string[]; resumedFrom: unknown; same: boolean; left: string[] };
        };
        // 5 samples in batches of 2: 3 batches an epoch; interrupted after the 5th batch, backed up after each.
        expect(r.backup).toEqual({ interrupted: 'interrupted', backupFiles: ['backup.lstmbak'], resumedFrom: { epoch: 1, batch: 2 }, same: true, left: [] });
        expect(r.files).toEqual(['log.csv', 'm-01.lstm', 'm-02.lstm']); // no temp file left
        expect(r.csvLines).toBe(3);
        expect(r.sameWeights).toBe(true);
        expect(r.missingDir).toMatch(/ModelCheckpoint: the folder '.*nope' of filepath .* does not exist; create it before fit/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
});
