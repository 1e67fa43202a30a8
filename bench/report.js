// The benchmark's report: markdown for people, JSON (bench/results.json) for tools.
// Input: the messages the jobs emitted (info, result, skip, memory, gemm), in order.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CASES, REPORTED, TARGETS, flopsOf } from './cases.js';

const NAMES = {
  ours: 'lstm-wasm', 'ours-functional': 'lstm-wasm functional', 'ours-previous': 'lstm-wasm before the graph engine', 'tfjs-wasm': 'TF.js wasm', 'tfjs-cpu': 'TF.js cpu',
  ort: 'onnxruntime-web', 'ort-threads': 'onnxruntime-web, 2 threads', brain: 'brain.js', gemm: 'GEMM',
  threads: 'lstm-wasm 1 vs 2 threads', stream: 'streaming step', int8: 'lstm-wasm int8 vs f32', 'fit-dataset': 'fitDataset vs fit', 'ort-int8': 'onnxruntime-web int8 vs f32', ab: 'ab',
};
const buildName = (b) => (b === 'relaxed' ? 'relaxed-simd' : b);
/** "lstm-wasm (simd)", "TF.js wasm", …: one name per library and build. */
export const nameOf = (m) => (m.build ? `${NAMES[m.lib] ?? m.lib} (${buildName(m.build)})` : NAMES[m.lib] ?? m.lib);
const keyOf = (m) => (m.build ? `${m.lib}/${m.build}` : m.lib);

// ---- number formats -----------------------------------------------------------------------------

export function fmtTime(ms) {
  if (!Number.isFinite(ms)) return '–';
  if (ms >= 1000) return `${(ms / 1000).toPrecision(3)} s`;
  if (ms >= 1) return `${ms.toPrecision(3)} ms`;
  return `${(ms * 1000).toPrecision(3)} µs`;
}
const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const fmtRate = (n) => (!Number.isFinite(n) ? '–' : n >= 100 ? fmtInt(n) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const fmtX = (r) => (Number.isFinite(r) ? `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×` : '–');
const fmtMB = (b) => (Number.isFinite(b) && b > 0 ? `${(b / 2 ** 20).toFixed(0)} MB` : '–');
const fmtFlops = (f) => (f >= 1e9 ? `${(f / 1e9).toPrecision(3)} GFLOP` : `${(f / 1e6).toPrecision(3)} MFLOP`);
const fmtPct = (r) => (Number.isFinite(r) ? `${(100 * r).toFixed(0)}%` : '–');
const shapeOf = (c) => (c.arch === 'seq2seq'
  ? `B ${c.B}, encoder ${c.TE} steps of ${c.VE} tokens, decoder ${c.TD} steps of ${c.VD} tokens, E ${c.E}, H ${c.H}`
  : c.arch === 'conv-lstm'
    ? `B ${c.B}, T ${c.T}, I ${c.I}: Conv1D(${c.F}, ${c.K}, '${c.padding}', relu) → MaxPooling1D(${c.P}) → LSTM(${c.H}) → Dense(1)`
    : c.arch === 'mha'
      ? `B ${c.B}, T ${c.T}, dModel ${c.I}: MultiHeadAttention(${c.heads} heads, keyDim ${c.keyDim}) self-attention → GlobalAveragePooling1D → Dense(1)`
      : `B ${c.B}, T ${c.T}, I ${c.I}, H ${c.H}`);

function table(head, rows) {
  const esc = (v) => String(v ?? '').replace(/\|/g, '\\|');
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

// ---- GEMM: bench/gemm.js's result, read leniently (its helper owns the format) ------------------

function pick(o, keys) {
  for (const k of keys) if (o && o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
}

/** { peak: GFLOP/s or undefined, rows: [{ kernel, M, N, K, gflops, share }] } from a gemm.js result. */
export function normalizeGemm(result) {
  if (!result || typeof result !== 'object') return { peak: undefined, rows: [] };
  let peak = pick(result, ['peakGflops', 'peakGFlops', 'peak_gflops', 'peak']);
  if (peak && typeof peak === 'object') peak = pick(peak, ['gflops', 'GFLOPs', 'gflop_s']);
  const list = Array.isArray(result) ? result : pick(result, ['rows', 'shapes', 'results', 'gemm', 'kernels', 'cases']) ?? [];
  const rows = (Array.isArray(list) ? list : []).map((r) => {
    const gflops = pick(r, ['gflops', 'GFLOPs', 'gflop_s', 'gflopsPerSec']);
    let share = pick(r, ['share', 'shareOfPeak', 'fractionOfPeak', 'ofPeak', 'peakShare']);
    if (share === undefined && Number.isFinite(gflops) && Number.isFinite(peak) && peak > 0) share = gflops / peak;
    return { kernel: pick(r, ['kernel', 'name', 'variant', 'label', 'op']) ?? 'gemm', M: r.M ?? r.m, N: r.N ?? r.n, K: r.K ?? r.k, gflops, share, medianMs: pick(r, ['medianMs', 'ms', 'timeMs']), note: r.note ?? '' };
  });
  return { peak: Number.isFinite(peak) ? peak : undefined, rows };
}

// ---- the report --------------------------------------------------------------------------------

/**
 * The report of one run. `secondPass` ({ meta, jobs, messages }): the jobs run again under another
 * Node binary (run.js --also-node), reported in a section of their own after this one's. `nested`:
 * this is that section (its title, and no second pass of its own).
 */
export function buildReport({ meta, jobs, messages, secondPass = null, nested = false, firstResults = null }) {
  const results = messages.filter((m) => m.type === 'result');
  const modules = messages.filter((m) => m.type === 'module');
  const moduleRows = (lib, build) => modules.filter((m) => m.lib === lib && (build === undefined || m.build === build));
  const skips = messages.filter((m) => m.type === 'skip');
  const infos = messages.filter((m) => m.type === 'info');
  const memory = messages.filter((m) => m.type === 'memory');
  const gemms = messages.filter((m) => m.type === 'gemm');
  const find = (lib, caseId, build) => results.find((r) => r.lib === lib && r.case === caseId && (build === undefined || r.build === build));
  const oursBuilds = [...new Set(jobs.filter((j) => j.lib === 'ours').map((j) => j.build))];
  const ranBuilds = [...new Set(infos.filter((i) => i.lib === 'ours' && results.some((r) => r.lib === 'ours' && r.build === i.build)).map((i) => i.info.build))];

  // Best peer per case: the fastest library that is not ours.
  const best = {};
  for (const c of CASES) {
    const peers = results.filter((r) => r.case === c.id && !r.lib.startsWith('ours'));
    if (peers.length) best[c.id] = peers.reduce((a, b) => (b.seqPerSec > a.seqPerSec ? b : a));
  }

  const out = [];
  out.push(nested ? `## Second pass: Node ${meta.node}` : '## lstm-wasm benchmark');
  out.push('');
  if (nested) {
    out.push(`The same harness again, every child process under ${meta.nodePath} (run.js --also-node): ${jobs.map((j) => j.label).join(', ')}. ` +
      `Node ${meta.node} validates relaxed-SIMD ${meta.relaxedSimdNative ? 'without a flag (no --experimental-wasm-relaxed-simd: it refuses the flag), so init() picks the relaxed-simd build by default there' : 'only behind --experimental-wasm-relaxed-simd'}; ` +
      `each job below says which build it ran. Measured after the first pass, minutes later: compare within this section, and set its figures beside the first pass's only as a rough guide.`);
    out.push('');
  }
  out.push(`${meta.mode === 'quick' ? '**Quick smoke run (few calls): the numbers are not measurements.** ' : ''}` +
    `Node ${meta.node} (V8 ${meta.v8}), ${meta.platform}, ${meta.cpu}, ${meta.cores} cores; ${meta.date}; ${meta.seconds.toFixed(0)} s.`);
  out.push('');
  out.push(`lstm-wasm build(s) that ran: **${ranBuilds.length ? ranBuilds.join(', ') : 'none'}**` +
    (meta.relaxedSimdFlagAdded && ranBuilds.includes('relaxed-simd') ? ` (relaxed-simd in a child process started with --experimental-wasm-relaxed-simd)` : '') +
    (meta.nodeFlags.length ? `; Node flags: ${meta.nodeFlags.join(' ')}` : '') + '.');
  const versions = infos.map((i) => `${nameOf(i)} ${i.info.version ?? ''}`.trim());
  if (versions.length) out.push(`Libraries: ${versions.join('; ')}.`);
  out.push(`${threadsLine(infos, jobs)}; ${meta.isolation}. Time: median per call after warm-up; seq/s = B ÷ median (stream: steps/s); ` +
    `GFLOP/s: nominal matrix-product FLOPs of the case ÷ median, the same count for every library; × best peer: this row's seq/s ÷ the fastest peer's.`);
  out.push('');

  // Main table.
  const rows = [];
  for (const c of CASES) {
    const rs = results.filter((r) => r.case === c.id);
    if (!rs.length) continue;
    const mine = (r) => r.lib.startsWith('ours');
    rs.sort((a, b) => mine(a) === mine(b) ? b.seqPerSec - a.seqPerSec : mine(a) ? -1 : 1);
    for (const r of rs) {
      const b = best[c.id];
      rows.push([
        c.id, nameOf(r), fmtTime(r.medianMs), fmtRate(r.seqPerSec), r.gflops.toFixed(2),
        b ? (r === b ? `1.00× (best peer)` : fmtX(r.seqPerSec / b.seqPerSec)) : '–',
        `${r.calls}`,
      ]);
    }
  }
  out.push(table(['case', 'library', 'median', 'seq/s', 'GFLOP/s', '× best peer', 'calls'], rows));
  out.push('');
  // How a peer ran a case when it had to differ from the others (e.g. TF.js wasm's one-hot embeddings).
  const notes = results.filter((r) => r.note);
  if (notes.length) {
    for (const r of notes) out.push(`- ${nameOf(r)}, ${r.case}: ${r.note}.`);
    out.push('');
  }
  if (!nested) {
    out.push('Cases: ' + CASES.map((c) => `${c.id} (${shapeOf(c)}${c.mode === 'step' ? ', one step of a stateful model' : ''}; ${fmtFlops(flopsOf(c))})`).join('; ') + '.');
    out.push('');
  }

  // Targets.
  const targetRows = [];
  const targetJson = [];
  const notInRun = new Set();
  const addTarget = (t, caseId, build, measured, shown, goal, met, note = '') => {
    targetRows.push([t.text, caseId ?? '', build ? buildName(build) : '', shown, goal, met === null ? 'n/a' : met ? 'yes' : '**no**', note]);
    targetJson.push({ target: t.id, text: t.text, case: caseId, build: build ? buildName(build) : undefined, measured, goal, met, note: note || undefined });
  };
  // The ORT figure our 2-thread inference is set beside: ORT on 2 threads where it threads here, else its 1 thread.
  const ortThreading = ortThreadsFinding(results, moduleRows('threads'));
  for (const t of TARGETS) {
    if (t.kind === 'gemm') continue;
    if (t.kind === 'threads' || t.kind === 'threads-ratio') {
      for (const m of moduleRows('threads')) {
        for (const caseId of t.cases) {
          const r = m.rows.find((x) => x.case === caseId);
          if (!r) continue;
          const alternating = `${r.rounds} alternating rounds of ${r.callsPerRound} call${r.callsPerRound === 1 ? '' : 's'}`;
          if (t.kind === 'threads') {
            addTarget(t, caseId, m.build, r.speedup, fmtX(r.speedup), `≥ ${t.min}×`, r.speedup >= t.min,
              `${fmtTime(r.oneMs)} → ${fmtTime(r.twoMs)} per call, median of the per-round ratios of ${alternating}; CPU ÷ wall ${r.twoCpuPerWall.toFixed(2)} on 2 threads` +
              (r.twoCpuPerWall < 1.5 ? ' (the process had less than 1.5 cores while on 2 threads: a busy machine, or work that stays on one thread)' : ''));
            continue;
          }
          const goal = `≥ ${t.min}×`;
          const peer = ortThreading.threads ? find(t.peer, caseId) : find(t.fallback, caseId);
          if (!peer) {
            if (!jobs.some((j) => j.lib === t.peer || j.lib === t.fallback)) { notInRun.add(NAMES[t.peer]); continue; }
            addTarget(t, caseId, m.build, null, '–', goal, null, `${NAMES[t.peer]} not measured${skipReason(skips, t.peer, caseId)}`);
            continue;
          }
          const ratio = peer.medianMs / r.twoMs;
          const two = find(t.peer, caseId);
          const which = ortThreading.threads ? 'ORT on 2 threads' : 'ORT on 1 thread (it did not run on two cores here: see "onnxruntime-web on two threads")';
          addTarget(t, caseId, m.build, ratio, fmtX(ratio), goal, ratio >= t.min, `ours on 2 threads ${fmtTime(r.twoMs)} (threads job) vs ${which} ${fmtTime(peer.medianMs)} (its own process)` +
            (!ortThreading.threads && two ? `; ORT with numThreads 2: ${fmtTime(two.medianMs)}, ${fmtX(two.medianMs / r.twoMs)}` : ''));
        }
      }
      continue;
    }
    if (t.kind === 'int8' || t.kind === 'int8-size') {
      for (const m of moduleRows('int8')) {
        for (const caseId of t.cases) {
          const r = m.rows.find((x) => x.case === caseId);
          if (!r) continue;
          if (t.kind === 'int8') {
            const min = t.min[caseId];
            addTarget(t, caseId, m.build, r.speedup, fmtX(r.speedup), `≥ ${min}×`, r.speedup >= min, `f32 ${fmtTime(r.f32Ms)} vs int8 ${fmtTime(r.int8Ms)} per call, ${r.rounds} alternating rounds; largest output difference ${r.maxDiff.toExponential(1)}`);
          } else if (m === moduleRows('int8')[0]) {
            // File sizes do not depend on the build: checked once.
            const share = r.bytes.int8 / r.bytes.float32;
            addTarget(t, caseId, null, share, fmtPct(share), `≤ ${fmtPct(t.max)}`, share <= t.max, `${r.bytes.int8.toLocaleString('en-US')} of ${r.bytes.float32.toLocaleString('en-US')} bytes`);
          }
        }
      }
      continue;
    }
    for (const build of oursBuilds) {
      for (const caseId of t.cases) {
        const ours = find('ours', caseId, build);
        if (t.kind === 'self') {
          // Measured in one process, alternating (bench/ab.js), where that ran; else from the separate jobs.
          const ab = messages.find((m) => m.type === 'ab' && m.build === build)?.rows.find((r) => r.case === caseId);
          if (ab) {
            const r = t.id === 'no-regression' ? ab.vsPrevious : ab.functionalVsSequential;
            const note = t.id === 'no-regression' ? `${fmtTime(ab.oursMs)} vs ${fmtTime(ab.previousMs)} per call` : `${fmtTime(ab.functionalMs)} vs ${fmtTime(ab.oursMs)} per call`;
            addTarget(t, caseId, build, r, fmtX(r), `≥ ${t.min.toFixed(3)}×`, r >= t.min, `${note}, median of ${ab.rounds} alternating rounds in one process`);
            continue;
          }
          const mine = find(t.of ?? 'ours', caseId, build), other = find(t.peer, caseId, build);
          if (!jobs.some((j) => j.lib === t.peer) || !jobs.some((j) => j.lib === (t.of ?? 'ours'))) { notInRun.add(NAMES[t.peer]); continue; }
          if (!mine || !other) { addTarget(t, caseId, build, null, '–', `≥ ${t.min.toFixed(3)}×`, null, 'not measured'); continue; }
          const r = mine.seqPerSec / other.seqPerSec;
          addTarget(t, caseId, build, r, fmtX(r), `≥ ${t.min.toFixed(3)}×`, r >= t.min, `${fmtRate(mine.seqPerSec)} vs ${fmtRate(other.seqPerSec)} seq/s`);
        } else if (t.kind === 'ratio') {
          const peer = find(t.peer, caseId);
          if (t.peer === 'brain' && !peer) continue; // "where it runs"
          if (!jobs.some((j) => j.lib === t.peer)) { notInRun.add(NAMES[t.peer]); continue; }
          const goal = `≥ ${t.min}×`;
          if (!ours) continue;
          if (!peer) {
            const why = `${NAMES[t.peer]} not measured${skipReason(skips, t.peer, caseId)}`;
            addTarget(t, caseId, build, null, '–', goal, null, why);
            continue;
          }
          const r = ours.seqPerSec / peer.seqPerSec;
          addTarget(t, caseId, build, r, fmtX(r), goal, r >= t.min, `${fmtRate(ours.seqPerSec)} vs ${fmtRate(peer.seqPerSec)} seq/s`);
        } else if (!ours) {
          continue;
        } else if (t.kind === 'gflops') {
          addTarget(t, caseId, build, ours.gflops, ours.gflops.toFixed(1), `≥ ${t.min}`, ours.gflops >= t.min);
        } else if (t.kind === 'time') {
          const maxMs = typeof t.maxMs === 'object' ? t.maxMs[build] : t.maxMs;
          // The streaming step: bench/stream.js's figure (both builds in one process, alternating) where it ran.
          const row = caseId === 'stream' ? moduleRows('stream')[0]?.rows.find((x) => x.library === 'ours' && x.build === buildName(build)) : null;
          if (row) {
            const ms = row.medianUs / 1000;
            addTarget(t, caseId, build, ms, fmtTime(ms), `≤ ${fmtTime(maxMs)}`, ms <= maxMs, `bench/stream.js: median of ${row.rounds} alternating rounds of ${row.callsPerRound} calls (CPU time ${row.cpuMedianUs.toFixed(2)} µs per call); this table's own figure ${fmtTime(ours.medianMs)}`);
          } else {
            addTarget(t, caseId, build, ours.medianMs, fmtTime(ours.medianMs), `≤ ${fmtTime(maxMs)}`, ours.medianMs <= maxMs);
          }
        } else if (t.kind === 'gemm-share') {
          const ref = ours.reference;
          const goal = `≥ ${fmtPct(t.min)} of the GEMM`;
          if (!ref || !Number.isFinite(ref.gflops)) { addTarget(t, caseId, build, null, '–', goal, null, `no GEMM reference${ref?.error ? `: ${ref.error}` : ''}`); continue; }
          // The attention's GFLOP/s on the FLOPs its call really runs (not the nominal 3× forward),
          // from the calls timed alternately with the GEMM passes.
          const r = ref.caseGflops / ref.gflops;
          addTarget(t, caseId, build, r, fmtPct(r), goal, r >= t.min, `${ref.caseGflops.toFixed(1)} vs ${ref.gflops.toFixed(1)} GFLOP/s on the ${fmtFlops(ref.runFlops)} a call runs, ${ref.rounds} alternating rounds (see "Attention beside the packed GEMM")`);
        }
      }
    }
  }
  const gemmTarget = TARGETS.find((t) => t.kind === 'gemm');
  const gemmSections = [];
  for (const g of gemms) {
    const { peak, rows: grows } = normalizeGemm(g.result);
    const big = grows.filter((r) => r.M >= gemmTarget.minDim && r.N >= gemmTarget.minDim && r.K >= gemmTarget.minDim && Number.isFinite(r.share));
    for (const r of big) {
      addTarget(gemmTarget, `${r.kernel} ${r.M}×${r.N}×${r.K}`, g.build, r.share, fmtPct(r.share), `≥ ${fmtPct(gemmTarget.minShare)}`, r.share >= gemmTarget.minShare);
    }
    gemmSections.push({ build: g.build, peak, rows: grows, raw: g.result });
  }
  out.push('### Targets (from the issue)');
  out.push('');
  out.push(targetRows.length ? table(['target', 'case', 'build', 'measured', 'goal', 'met', 'note'], targetRows) : 'No target could be checked (our library did not run).');
  out.push('');
  if (notInRun.size) {
    out.push(`Not checked: the ratios to ${[...notInRun].join(', ')}, which did not run ${nested ? 'in this pass' : 'this time (--only)'}.`);
    out.push('');
  }

  out.push(...moduleSections({ modules, skips, results, ortThreading, firstResults }));

  // GEMM.
  if (gemmSections.length) {
    out.push('### GEMM (bench/gemm.js)');
    out.push('');
    for (const s of gemmSections) {
      out.push(`Build ${buildName(s.build)}: f32x4 multiply-add peak ${Number.isFinite(s.peak) ? `${s.peak.toFixed(1)} GFLOP/s` : 'not reported'}.`);
      out.push('');
      if (s.rows.length) {
        out.push(table(['kernel', 'M', 'N', 'K', 'median', 'GFLOP/s', 'share of peak', 'what'],
          s.rows.map((r) => [r.kernel, r.M ?? '', r.N ?? '', r.K ?? '', fmtTime(r.medianMs), Number.isFinite(r.gflops) ? r.gflops.toFixed(1) : '–', fmtPct(r.share), r.note])));
      } else {
        out.push('```json\n' + JSON.stringify(s.raw, null, 1).slice(0, 3000) + '\n```');
      }
      out.push('');
    }
  }

  // The mha case's GEMM reference: the packed GEMM on the attention's own products.
  const refs = results.filter((r) => r.lib === 'ours' && r.reference);
  if (refs.length) {
    out.push('### Attention beside the packed GEMM at its shapes');
    out.push('');
    out.push('After mha-train, the ours peer alternates one trainOnBatch of the case with one pass of `gemm_packed` (bench/gemm.js `gemmProducts`, ' +
      'build/*.wasm of the same build, each B packed once outside the timing) over every matrix product a training call runs ' +
      '(cases.js `gemmsOf`; not the gradient of the model\'s input, which no library computes), in the same process, so that a busy spell slows both alike. ' +
      'Both figures are those FLOPs ÷ their median time: the attention\'s includes everything else a call does (softmax, the per-head packing of its B panels, pooling, head, Adam). ' +
      'The main table\'s GFLOP/s count the nominal 3× forward instead, as for every case, on the main measurement.');
    out.push('');
    for (const r of refs) {
      const ref = r.reference;
      if (!Number.isFinite(ref.gflops)) { out.push(`- ${nameOf(r)}, ${r.case}: no reference (${ref.error ?? '?'}).`); continue; }
      out.push(`${nameOf(r)}, ${r.case}: ${ref.rounds} rounds; attention forward + backward ${fmtTime(ref.caseMs)} per call, ${ref.caseGflops.toFixed(1)} GFLOP/s on the ${fmtFlops(ref.runFlops)} a call runs; ` +
        `the packed GEMM on the same products ${fmtTime(ref.gemmMs)}, ${ref.gflops.toFixed(1)} GFLOP/s; attention ÷ GEMM ${fmtPct(ref.caseGflops / ref.gflops)}.`);
      out.push('');
      out.push(table(['M', 'N', 'K', 'op', 'per GEMM call', 'GFLOP/s', 'calls per training call', 'products'],
        ref.shapes.map((g) => [g.M, g.N, g.K, g.transA ? 'Aᵀ·B' : 'A·B', fmtTime(g.medianMs), g.gflops.toFixed(1), g.count, g.what])));
      out.push('');
    }
  }

  // Memory.
  if (memory.length) {
    out.push('### Peak memory (resident set)');
    out.push('');
    const isolated = meta.isolation.startsWith('one child');
    out.push(isolated
      ? 'Each library in its own process: Node alone, after loading the library, the largest resident set seen (sampled after every warm-up and measurement), and the process\'s high-water mark (resourceUsage().maxRSS).'
      : 'All libraries in one process (--inline): figures add up in run order, and maxRSS is the whole process\'s; growth = sampled peak − resident set before the library loaded.');
    out.push('');
    out.push(table(['library', 'before load', 'after load', 'peak (sampled)', 'maxRSS', 'growth over before load'],
      memory.map((m) => [nameOf(m), fmtMB(m.baselineRss), fmtMB(m.afterLoadRss), fmtMB(m.peakRss), fmtMB(m.maxRss),
        fmtMB((isolated ? Math.max(m.peakRss, m.maxRss) : m.peakRss) - m.baselineRss)])));
    out.push('');
  }

  // Sanity check against the peer figures reported for this machine.
  const sanity = [];
  for (const [lib, byCase] of Object.entries(REPORTED)) {
    for (const [caseId, v] of Object.entries(byCase)) {
      const r = find(lib, caseId);
      if (!r) continue;
      if (typeof v === 'object') sanity.push([NAMES[lib], caseId, fmtTime(r.medianMs), `${v.us} µs`, fmtX(v.us / 1000 / r.medianMs)]);
      else sanity.push([NAMES[lib], caseId, `${fmtRate(r.seqPerSec)} seq/s`, `${fmtRate(v)} seq/s`, fmtX(r.seqPerSec / v)]);
    }
  }
  if (sanity.length) {
    out.push('### Peers against the figures reported for this machine (sanity check)');
    out.push('');
    out.push(table(['peer', 'case', 'measured', 'reported', 'speed measured ÷ reported'], sanity));
    out.push('');
  }

  // What did not run.
  if (skips.length) {
    out.push('### Not run');
    out.push('');
    const groups = new Map();
    for (const s of skips) {
      const key = `${nameOf(s)}\u0000${s.error ? 1 : 0}\u0000${s.budget ? s.reason.replace(/: (a call would|the first call).*$/, '') : s.reason}`;
      if (!groups.has(key)) groups.set(key, { s, cases: [] });
      if (s.case) groups.get(key).cases.push(s.budget ? `${s.case} (${s.reason.match(/: ((a call would|the first call)[^;]*)/)?.[1] ?? ''})` : s.case);
    }
    for (const { s, cases } of groups.values()) {
      const reason = s.budget ? `over this library's time budget; measure alone with --only=${s.lib} --cases=ID` : s.reason;
      out.push(`- ${nameOf(s)}${cases.length ? `, ${cases.join(', ')}` : ''}: ${s.error ? '**failed**: ' : ''}${reason}`);
    }
    out.push('');
  }

  const json = {
    meta,
    cases: CASES.map((c) => ({ ...c, flops: flopsOf(c) })),
    libraries: infos.map((i) => ({ library: keyOf(i), name: nameOf(i), ...i.info })),
    results: results.map((r) => {
      const b = best[r.case];
      const { type, ...rest } = r;
      return { library: keyOf(r), name: nameOf(r), ...rest, bestPeer: b ? keyOf(b) : null, vsBestPeer: b ? r.seqPerSec / b.seqPerSec : null };
    }),
    targets: targetJson,
    gemm: gemmSections.map((s) => ({ build: buildName(s.build), peakGflops: s.peak ?? null, rows: s.rows, raw: s.raw })),
    memory: memory.map(({ type, ...m }) => ({ library: keyOf(m), name: nameOf(m), ...m })),
    skipped: skips.map(({ type, ...s }) => ({ library: keyOf(s), name: nameOf(s), ...s })),
    modules: modules.map(({ type, markdown, ...m }) => ({ library: keyOf(m), name: nameOf(m), ...m })),
    ortThreading,
  };
  if (secondPass) {
    const inner = buildReport({ ...secondPass, nested: true, firstResults: results });
    out.push(inner.markdown);
    json.secondPass = inner.json;
  }
  return { markdown: out.join('\n'), json };
}

/** The report header's line on threads: what each library ran on, from what the jobs said. */
function threadsLine(infos, jobs) {
  const parts = [];
  const ours = infos.filter((i) => i.lib.startsWith('ours'));
  if (ours.length) {
    const counts = [...new Set(ours.map((i) => i.info.threads ?? 1))];
    parts.push(`lstm-wasm with init({ threads: 1 }) (runtimeInfo().threads: ${counts.join(', ')}; the code before the graph engine has no threads)`);
  }
  const tfw = infos.find((i) => i.lib === 'tfjs-wasm');
  if (tfw) parts.push(`TF.js wasm with setThreadsCount(1) (getThreadsCount(): ${tfw.info.threads ?? '?'})`);
  if (infos.some((i) => i.lib === 'tfjs-cpu')) parts.push('TF.js cpu (plain JavaScript, one thread)');
  const ort = infos.find((i) => i.lib === 'ort');
  if (ort) parts.push(`onnxruntime-web with numThreads ${ort.info.threads}`);
  if (infos.some((i) => i.lib === 'brain')) parts.push('brain.js (no threads)');
  const multi = [];
  const ortT = infos.find((i) => i.lib === 'ort-threads');
  if (ortT) multi.push(`"onnxruntime-web, 2 threads" (numThreads ${ortT.info.threads}; whether it threads is measured below)`);
  if (jobs.some((j) => j.lib === 'threads')) multi.push('the thread-scaling rows (1 thread beside 2, "Thread scaling")');
  return `Threads: single-threaded but where a row says otherwise: ${parts.length ? parts.join('; ') : 'no library ran'}` +
    (multi.length ? `. On two threads: ${multi.join(' and ')}` : '');
}

/**
 * Whether onnxruntime-web really ran on two threads in this run: its numThreads after its first
 * session ran, the OS threads it added, its CPU time ÷ wall time, and its 2-thread time ÷ its
 * 1-thread time per case. `threads` is true when it kept numThreads 2, started a thread and kept
 * more than ORT_TWO_CORES cores busy on some case (the target then compares with it); else the
 * target falls back to its 1 thread and `why` says so. Our threads job's CPU ÷ wall in the same
 * pass tells whether the machine had a second core to give (`control`).
 */
const ORT_TWO_CORES = 1.3;
function ortThreadsFinding(results, threadsModules = []) {
  const two = results.filter((r) => r.lib === 'ort-threads');
  const one = results.filter((r) => r.lib === 'ort');
  const rows = two.map((r) => {
    const o = one.find((x) => x.case === r.case);
    return { case: r.case, oneMs: o?.medianMs ?? null, twoMs: r.medianMs, speedup: o ? o.medianMs / r.medianMs : null, oneCpuPerWall: o?.cpuPerWall ?? null, twoCpuPerWall: r.cpuPerWall ?? null, ...(r.threading ?? {}) };
  });
  if (!rows.length) return { threads: false, why: 'onnxruntime-web on 2 threads did not run', rows };
  const kept = rows.every((r) => r.numThreads === 2);
  const started = rows.some((r) => r.osThreadsAdded === null || r.osThreadsAdded > 0);
  if (!kept) return { threads: false, why: `onnxruntime-web set numThreads back to ${rows.map((r) => r.numThreads).join('/')}: it cannot thread here`, rows };
  if (!started) return { threads: false, why: 'onnxruntime-web kept numThreads 2 but started no thread', rows };
  const busiest = Math.max(...rows.map((r) => r.twoCpuPerWall ?? 0));
  const ours = Math.max(0, ...threadsModules.flatMap((m) => m.rows.map((r) => r.twoCpuPerWall)));
  const control = ours ? `; our threads job in this pass kept up to ${ours.toFixed(2)} cores busy` +
    (ours >= 1.5 ? ', so the machine had a second core to give' : ', so the machine may not have had a second core to give either: rerun on a quiet machine before reading this as a finding about ORT') : '';
  if (busiest < ORT_TWO_CORES) {
    return { threads: false, busiest, why: `onnxruntime-web starts a thread (numThreads stays 2) but kept at most ${busiest.toFixed(2)} cores busy while measured (CPU ÷ wall): its LSTM did not run on two cores here${control}`, rows };
  }
  return { threads: true, busiest, why: '', control, rows };
}

/** The sections of the in-process jobs (bench/threads.js, stream.js, int8.js, fit-dataset.js) and ORT's threads. */
function moduleSections({ modules, skips, results, ortThreading, firstResults }) {
  const out = [];
  const runtimeNote = (m) => (m.runtime ? `${m.runtime.build}, runtimeInfo().threads ${m.runtime.threads}${m.runtime.threadsReason ? ` (${m.runtime.threadsReason})` : ''}` : 'runtime not reported');
  const skipped = (lib) => skips.filter((s) => s.lib === lib && !s.case);
  const missing = (lib, title) => {
    const s = skipped(lib);
    if (!s.length || modules.some((m) => m.lib === lib)) return;
    out.push(`### ${title}`, '', ...s.map((k) => `- ${nameOf(k)}: ${k.error ? '**failed**: ' : 'not run: '}${k.reason}`), '');
  };

  // Thread scaling.
  const threads = modules.filter((m) => m.lib === 'threads');
  if (threads.length) {
    out.push('### Thread scaling (bench/threads.js)', '');
    out.push('Each case as a model with `threads: 1` beside the same model with `threads: 2` (same seed, same inputs, init({ threads: 2 }) in both builds), in one process: ' +
      'warm-up, then rounds that time k calls of each, the order swapped every round; speedup = the median over the rounds of the round\'s 1-thread time ÷ its 2-thread time. ' +
      'CPU ÷ wall: the process\'s CPU time (every thread) ÷ wall time: near 2 when both threads are busy; under 1 when the process waited for a core (a loaded machine). ' +
      'Worker calls per call: kernel calls the pool\'s worker ran per call (runtimeInfo().workerCalls), 0 on one thread; a parallel region whose share no worker claimed in time is run by the caller. ' +
      'Small work stays on one thread (src/layers/shards.ts MIN_PARALLEL_MACS). An empty parallel region (the pool\'s own overhead) is not timed: the pool is not public API, and every public call that reaches it brings kernel work of its own.');
    out.push('');
    out.push(table(['case', 'build', '1 thread', '2 threads', 'speedup', 'CPU ÷ wall, 1 / 2 threads', 'worker calls per call, 1 / 2', 'largest relative difference, 1 vs 2', 'rounds × calls'],
      threads.flatMap((m) => m.rows.map((r) => [r.case, r.build, fmtTime(r.oneMs), fmtTime(r.twoMs), fmtX(r.speedup), `${r.oneCpuPerWall.toFixed(2)} / ${r.twoCpuPerWall.toFixed(2)}`,
        `${r.oneWorkerCallsPerCall.toFixed(2)} / ${r.twoWorkerCallsPerCall.toFixed(2)}`, r.maxRelDiff.toExponential(1), `${r.rounds} × ${r.callsPerRound}`]))));
    out.push('');
    for (const m of threads) out.push(`- ${nameOf(m)}: ${runtimeNote(m)}; workers started ${m.runtime?.workersStarted ?? '?'}, worker calls in all ${m.runtime?.workerCalls ?? '?'}; ${m.seconds.toFixed(0)} s.`);
    out.push('');
  }
  missing('threads', 'Thread scaling (bench/threads.js)');

  // ORT on two threads.
  if (ortThreading.rows.length) {
    out.push('### onnxruntime-web on two threads: does it thread here?', '');
    out.push(`ort-threads is onnxruntime-web with \`ort.env.wasm.numThreads = 2\` and \`intraOpNumThreads: 2\`, in a process of its own, beside ort (1 thread) in another. ` +
      'numThreads after the first run (ORT lowers it where it cannot thread), the OS threads of the process it added (Linux /proc/self/task), the CPU ÷ wall of the measurement, and its time beside its own 1 thread:');
    out.push('');
    out.push(table(['case', 'ORT 1 thread', 'ORT 2 threads', '2 threads ÷ 1 (speed)', 'numThreads after', 'OS threads added', 'CPU ÷ wall, 1 / 2 threads'],
      ortThreading.rows.map((r) => [r.case, fmtTime(r.oneMs), fmtTime(r.twoMs), fmtX(r.speedup), r.numThreads ?? '?', r.osThreadsAdded ?? '?',
        `${Number.isFinite(r.oneCpuPerWall) ? r.oneCpuPerWall.toFixed(2) : '–'} / ${Number.isFinite(r.twoCpuPerWall) ? r.twoCpuPerWall.toFixed(2) : '–'}`])));
    out.push('');
    const gains = ortThreading.rows.map((r) => r.speedup).filter(Number.isFinite);
    const speeds = gains.length ? `; its 2 threads ran at ${gains.map((g) => fmtX(g)).join(', ')} the speed of its 1 thread on ${ortThreading.rows.map((r) => r.case).join(', ')}` : '';
    out.push(ortThreading.threads
      ? `Finding: onnxruntime-web threads in this runtime (numThreads stays 2, a thread started, up to ${ortThreading.busiest.toFixed(2)} cores busy)${speeds}${ortThreading.control}. ` +
        'The "inference on 2 threads each" target compares ours on 2 threads with it.'
      : `Finding: ${ortThreading.why}${speeds}. The "inference on 2 threads each" target therefore compares ours on 2 threads with ORT's 1 thread, and says so in each row.`);
    out.push('');
  }

  // The streaming step.
  const stream = modules.filter((m) => m.lib === 'stream');
  if (stream.length) {
    out.push('### Streaming step (bench/stream.js)', '');
    out.push('One `model.step(x, out)` of a stateful LSTM(128) + Dense(1) on [1, 64], both builds in one process, alternating rounds of many calls after a warm-up; ' +
      'the median over the rounds of each round\'s µs per call (wall), and the CPU time per call (which leaves out time spent waiting for a core).');
    out.push('');
    for (const m of stream) {
      out.push(table(['build', 'median (wall)', 'fastest round', 'CPU time per call', 'rounds × calls'],
        m.rows.filter((r) => r.library === 'ours').map((r) => [r.build, `${r.medianUs.toFixed(2)} µs`, `${r.minUs.toFixed(2)} µs`, `${r.cpuMedianUs.toFixed(2)} µs`, `${r.rounds} × ${r.callsPerRound}`])));
      out.push('');
      out.push(`- ${runtimeNote(m)} (the last init() of the process, the module's own).`);
      out.push('');
    }
  }
  missing('stream', 'Streaming step (bench/stream.js)');

  // int8.
  const int8 = modules.filter((m) => m.lib === 'int8');
  if (int8.length) {
    out.push('### int8 beside f32 (bench/int8.js)', '');
    out.push('Each case as its f32 model and as `quantize()` of it (int8 weights, dynamic activations), in one process, alternating rounds; speedup = median of the per-round f32 ÷ int8 times. ' +
      'File sizes of the saved models: f32, float16, int8, and 80% pruned by magnitude + int8.');
    out.push('');
    for (const m of int8) {
      out.push(`${nameOf(m)}: ${runtimeNote(m)}; ${m.seconds.toFixed(0)} s.`, '');
      out.push(m.markdown ?? table(['case', 'build', 'f32', 'int8', 'speedup'], m.rows.map((r) => [r.case, r.build, fmtTime(r.f32Ms), fmtTime(r.int8Ms), fmtX(r.speedup)])));
      out.push('');
    }
  }
  missing('int8', 'int8 beside f32 (bench/int8.js)');

  // fitDataset.
  const fd = modules.filter((m) => m.lib === 'fit-dataset');
  if (fd.length) {
    out.push('### fitDataset beside fit (bench/fit-dataset.js)', '');
    out.push('One epoch of `fit` on sequences in memory beside one epoch of `fitDataset` on an async generator that makes each batch when asked (the same amounts, batch 32), in one process, alternating; ' +
      'fitDataset ÷ fit = the median of the per-round speed ratios (1: the same speed per sequence).');
    out.push('');
    for (const m of fd) {
      out.push(`${runtimeNote(m)}; ${m.seconds.toFixed(0)} s.`, '');
      out.push(m.markdown ?? table(['case', 'fit seq/s', 'fitDataset seq/s', 'ratio'], m.rows.map((r) => [r.case, fmtRate(r.fitSeqPerS), fmtRate(r.fitDatasetSeqPerS), r.ratio.toFixed(3)])));
      out.push('');
    }
  }
  missing('fit-dataset', 'fitDataset beside fit (bench/fit-dataset.js)');

  // onnxruntime-web's int8 path.
  const oi = modules.filter((m) => m.lib === 'ort-int8');
  if (oi.length) {
    out.push("### onnxruntime-web's int8 path (bench/ort-int8.js)", '');
    out.push('Our quantized bench models exported with `toOnnx` in two forms, `DequantizeLinear` in front of the float LSTM, and ORT\'s `DynamicQuantizeLSTM` ' +
      '(`toOnnx(q, { int8: \'onnxruntime\' })`), each beside ORT\'s f32 graph of the same model, one thread, in one process, alternating rounds; ' +
      'f32/int8 = the median of the per-round time ratios; the last column is the largest difference from our own int8 output.');
    out.push('');
    for (const m of oi) {
      out.push(`${m.seconds.toFixed(0)} s.`, '');
      out.push(m.markdown ?? table(['case', 'how', 'ORT f32', 'ORT int8', 'f32/int8'], m.rows.map((r) => [r.case, r.how, fmtTime(r.ortF32Ms), fmtTime(r.ortInt8Ms), fmtX(r.ratio)])));
      out.push('');
    }
  }
  missing('ort-int8', "onnxruntime-web's int8 path (bench/ort-int8.js)");

  // Second pass: its figures beside the first pass's (same library, build and case).
  if (firstResults) {
    const rows = [];
    for (const r of results) {
      const f = firstResults.find((x) => x.lib === r.lib && x.build === r.build && x.case === r.case);
      if (f) rows.push([r.case, nameOf(r), fmtTime(f.medianMs), fmtTime(r.medianMs), fmtX(f.medianMs / r.medianMs)]);
    }
    if (rows.length) {
      out.push('### Beside the first pass', '');
      out.push('The same library, build and case in the first pass (minutes earlier, another process): speed here ÷ speed there. A rough guide on a shared machine, not a measurement of one against the other.');
      out.push('');
      out.push(table(['case', 'library', 'first pass', 'this pass', 'speed this ÷ first'], rows));
      out.push('');
    }
  }
  return out;
}

function skipReason(skips, lib, caseId) {
  const s = skips.find((k) => k.lib === lib && (k.case === caseId || k.case === undefined));
  return s ? `: ${s.reason}` : '';
}

export function writeJson(path, json) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(json, null, 2) + '\n');
}
