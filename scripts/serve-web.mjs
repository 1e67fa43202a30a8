// `npm run demo:web`: builds the browser demo (scripts/build-web.mjs) and serves it on localhost.
//
//   node scripts/serve-web.mjs [--port=8080] [--host=127.0.0.1] [--no-build] [--outdir=DIR]
//
// The server sends the cross-origin isolation headers (COOP/COEP), which give workers a precise
// performance.now() for the timing on the page. `serveWeb()` is imported by test/browser.test.ts.
import { createServer } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildWeb, DEFAULT_OUTDIR } from './build-web.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

/**
 * Serves `outdir` (built first unless build: false). port 0 picks a free port.
 * Returns { url, server, close() }.
 */
export async function serveWeb({
  port = 8080,
  host = '127.0.0.1',
  outdir = DEFAULT_OUTDIR,
  build = true,
  quiet = false,
} = {}) {
  const root = resolve(outdir);
  if (build) await buildWeb({ outdir: root, quiet });
  if (!existsSync(join(root, 'index.html')))
    throw new Error(`serve-web: ${root} has no index.html; build it first (node scripts/build-web.mjs)`);
  const server = createServer((req, res) => {
    const headers = {
      'Cache-Control': 'no-store',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'X-Content-Type-Options': 'nosniff',
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
      return;
    }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400, headers).end('bad request\n');
      return;
    }
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(root, path));
    if (!(file === root || file.startsWith(root + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end(`not found: ${path}\n`);
      return;
    }
    res.writeHead(200, {
      ...headers,
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': statSync(file).size,
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const address = server.address();
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${address.port}/`;
  if (!quiet) console.log(`lstm-wasm web demo: ${url}  (serving ${root}; Ctrl-C stops)`);
  return {
    url,
    server,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const opt = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  for (const a of args) {
    if (!/^--(port|host|outdir)=|^--no-build$/.test(a)) {
      console.error(`serve-web: unknown argument '${a}' (use --port=N, --host=ADDRESS, --outdir=DIR, --no-build)`);
      process.exit(2);
    }
  }
  const port = Number(opt('port') ?? process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve-web: --port must be an integer in [0, 65535], got ${opt('port')}`);
    process.exit(2);
  }
  try {
    await serveWeb({
      port,
      host: opt('host') ?? '127.0.0.1',
      outdir: opt('outdir') ?? DEFAULT_OUTDIR,
      build: !args.includes('--no-build'),
    });
  } catch (e) {
    if (e.code === 'EADDRINUSE')
      console.error(`serve-web: port ${port} is in use; try --port=${port + 1} (or --port=0 for any free port)`);
    else console.error(`serve-web: ${e.message}`);
    process.exit(1);
  }
}
