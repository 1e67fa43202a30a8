// The benchmark's report: markdown for people, JSON (bench/results.json) for tools.
// Input: the messages the jobs emitted (info, result, skip, memory, gemm), in order.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CASES, REPORTED, TARGETS, flopsOf } from './cases.js';

const NAMES = { ours: 'lstm-wasm', 'ours-functional': 'lstm-wasm functional', 'ours-previous': 'lstm-wasm before the graph engine', 'tfjs-wasm': 'TF.js wasm', 'tfjs-cpu': 'TF.js cpu', ort: 'onnxruntime-web', brain: 'brain.js', gemm: 'GEMM' };
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

export function buildReport({ meta, jobs, messages }) {
  const results = messages.filter((m) => m.type === 'result');
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
  out.push('## lstm-wasm benchmark');
  out.push('');
  out.push(`${meta.mode === 'quick' ? '**Quick smoke run (few calls): the numbers are not measurements.** ' : ''}` +
    `Node ${meta.node} (V8 ${meta.v8}), ${meta.platform}, ${meta.cpu}, ${meta.cores} cores; ${meta.date}; ${meta.seconds.toFixed(0)} s.`);
  out.push('');
  out.push(`lstm-wasm build(s) that ran: **${ranBuilds.length ? ranBuilds.join(', ') : 'none'}**` +
    (meta.relaxedSimdFlagAdded && ranBuilds.includes('relaxed-simd') ? ` (relaxed-simd in a child process started with --experimental-wasm-relaxed-simd)` : '') +
    (meta.nodeFlags.length ? `; Node flags: ${meta.nodeFlags.join(' ')}` : '') + '.');
  const versions = infos.map((i) => `${nameOf(i)} ${i.info.version ?? ''}`.trim());
  if (versions.length) out.push(`Libraries: ${versions.join('; ')}.`);
  out.push(`Single-threaded; ${meta.isolation}. Time: median per call after warm-up; seq/s = B ÷ median (stream: steps/s); ` +
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
  out.push('Cases: ' + CASES.map((c) => `${c.id} (${shapeOf(c)}${c.mode === 'step' ? ', one step of a stateful model' : ''}; ${fmtFlops(flopsOf(c))})`).join('; ') + '.');
  out.push('');

  // Targets.
  const targetRows = [];
  const targetJson = [];
  const notInRun = new Set();
  const addTarget = (t, caseId, build, measured, shown, goal, met, note = '') => {
    targetRows.push([t.text, caseId ?? '', build ? buildName(build) : '', shown, goal, met === null ? 'n/a' : met ? 'yes' : '**no**', note]);
    targetJson.push({ target: t.id, text: t.text, case: caseId, build: build ? buildName(build) : undefined, measured, goal, met, note: note || undefined });
  };
  for (const t of TARGETS) {
    if (t.kind === 'gemm') continue;
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
          addTarget(t, caseId, build, ours.medianMs, fmtTime(ours.medianMs), `≤ ${fmtTime(t.maxMs)}`, ours.medianMs <= t.maxMs);
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
    out.push(`Not checked: the ratios to ${[...notInRun].join(', ')}, which did not run this time (--only).`);
    out.push('');
  }

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
  };
  return { markdown: out.join('\n'), json };
}

function skipReason(skips, lib, caseId) {
  const s = skips.find((k) => k.lib === lib && (k.case === caseId || k.case === undefined));
  return s ? `: ${s.reason}` : '';
}

export function writeJson(path, json) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(json, null, 2) + '\n');
}
