#!/usr/bin/env node
// The command line: `npx lstm-wasm <command> [args]`. Each command runs one of the repository's
// programs in a child Node process (with this process's Node flags), passes the rest of the
// arguments on, and exits with its exit code.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

const COMMANDS = {
  bench: {
    file: 'bench/run.js',
    summary:
      'the benchmark: lstm-wasm (plain SIMD and relaxed-SIMD builds) beside TF.js (wasm, cpu), ' +
      'onnxruntime-web and brain.js (those it finds installed) on the S, M, L, GRU and streaming ' +
      'cases; prints a markdown table and writes the results as JSON (in a clone ' +
      'bench/results.json, from an installed package lstm-wasm-bench.json in the current directory)',
    args:
      '--quick, --only=ours,tfjs-wasm,…, --build=simd|relaxed|both, ' +
      '--cases=S-infer,…, --json=PATH (--help lists them all)',
  },
  demo: {
    file: 'examples/co2-forecast.js',
    summary:
      'the main job: trains an LSTM on the Mauna Loa CO2 record (1958-2020), forecasts the last 20% ' +
      'one month ahead, prints its error beside the naive forecast and writes out/co2-forecast.svg',
    args: 'none (EPOCHS=n in the environment sets the number of epochs, 60 by default)',
  },
  // In a clone only: the page is bundled from examples/web with esbuild when served, and the
  // package ships neither (esbuild is a 10 MB native binary, no dependency of a library that has none).
  web: {
    file: 'scripts/serve-web.mjs',
    repositoryOnly: 'npm run demo:web',
    summary:
      'the browser demo: bundles examples/web and serves it on http://localhost:8080 ' +
      '(training in a Web Worker, loss curve, forecast, gate heat map, text mode)',
    args: '--port=N, --host=ADDRESS',
  },
};

/** Words of `text` in lines of at most `width` characters, each after `indent`. */
function wrap(text, indent, width = 100) {
  const lines = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

function help() {
  const lines = [
    `lstm-wasm ${VERSION}: LSTM and GRU networks trained and run in WebAssembly SIMD`,
    '',
    'Usage: npx lstm-wasm <command> [args]',
    '',
    'Commands:',
  ];
  const elsewhere = [];
  for (const [name, c] of Object.entries(COMMANDS)) {
    if (!existsSync(join(ROOT, c.file))) {
      elsewhere.push(name);
      continue;
    }
    lines.push(`  ${name.padEnd(7)}${wrap(c.summary, '         ').trimStart()}`);
    lines.push(wrap(`runs ${c.file}; args: ${c.args}`, '         '));
  }
  lines.push('  help   this text (also --help, -h); --version prints the version', '');
  for (const name of elsewhere) {
    lines.push(
      wrap(
        `(${name}, ${COMMANDS[name].summary.split(':')[0]}, runs in a clone of the ` +
          `repository: ${COMMANDS[name].repositoryOnly ?? `npx lstm-wasm ${name}`})`,
        '',
      ),
      '',
    );
  }
  lines.push(
    'Examples:',
    '  npx lstm-wasm bench --quick',
    '  npx lstm-wasm bench --only=ours --cases=S-infer,S-train',
    '  EPOCHS=20 npx lstm-wasm demo',
  );
  if (!elsewhere.includes('web')) lines.push('  npx lstm-wasm web --port=3000');
  return lines.join('\n');
}

const [command, ...rest] = process.argv.slice(2);
if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
  console.log(help());
  process.exit(0);
}
if (command === '--version' || command === '-v') {
  console.log(VERSION);
  process.exit(0);
}
const c = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : null;
if (!c) {
  console.error(
    `lstm-wasm: unknown command '${command}'; commands: ${Object.keys(COMMANDS).join(', ')} (npx lstm-wasm --help)`,
  );
  process.exit(2);
}
const file = join(ROOT, c.file);
if (!existsSync(file) && c.repositoryOnly) {
  console.error(
    `lstm-wasm ${command}: not in the npm package; it runs in a ` +
      `clone of the repository (npm install, then ${c.repositoryOnly})`,
  );
  process.exit(1);
}
if (!existsSync(file)) {
  console.error(
    `lstm-wasm ${command}: ${relative(process.cwd(), file) || file} is not here: this copy of lstm-wasm ` +
      `does not ship it. Run it from a clone of the repository (npm install, then npx lstm-wasm ${command}).`,
  );
  process.exit(1);
}
if (command !== 'web' && !existsSync(join(ROOT, 'dist', 'index.js'))) {
  console.error(`lstm-wasm ${command}: dist/index.js is missing; build the library first (npm run build)`);
  process.exit(1);
}
const child = spawn(process.execPath, [...process.execArgv, file, ...rest], { stdio: 'inherit', cwd: process.cwd() });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
