/** Where the other JavaScript runtime of the tests and benchmarks is: Deno, from the npm package `deno`. */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The script that starts the deno binary the npm package `deno` installs (run it with Node). */
export function denoPath(): string {
  const require = createRequire(import.meta.url);
  return fileURLToPath(new URL('bin.cjs', `file://${require.resolve('deno/package.json')}`));
}
