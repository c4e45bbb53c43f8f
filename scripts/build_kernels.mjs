#!/usr/bin/env node
/**
 * Compiles kernels/ with asc for each target of asconfig.json (release and shared are
 * embedded in the package; debug and debug_shared, with the kernels' asserts, are for
 * the kernel tests), then embeds the release builds (embed_kernels.mjs) and writes the
 * TypeScript bindings (kernel_bindings.mjs). asc runs only when a kernel source,
 * asconfig.json or the compiler is newer than the oldest build, so a test run after a
 * TypeScript-only change does not wait for four compilations; `--force` always compiles.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import asc from 'assemblyscript/asc';

const root = new URL('..', import.meta.url);
const at = (path) => new URL(path, root);
const config = JSON.parse(readFileSync(at('asconfig.json'), 'utf8'));
const targets = Object.keys(config.targets);

function sourcesOf(dir) {
  return readdirSync(at(dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourcesOf(`${dir}/${entry.name}`) : [`${dir}/${entry.name}`]
  );
}

function upToDate() {
  const outputs = targets.map((t) => config.targets[t].outFile).concat('build/kernels.d.ts');
  if (!outputs.every((path) => existsSync(at(path)))) return false;
  const compiler = createRequire(import.meta.url).resolve('assemblyscript/package.json');
  const inputs = [...sourcesOf('kernels').map(at), at('asconfig.json'), compiler];
  const newestInput = Math.max(...inputs.map((file) => statSync(file).mtimeMs));
  const oldestOutput = Math.min(...outputs.map((path) => statSync(at(path)).mtimeMs));
  return oldestOutput > newestInput;
}

if (process.argv.includes('--force') || !upToDate()) {
  for (const target of targets) {
    const { error } = await asc.main(['kernels/index.ts', '--config', 'asconfig.json', '--target', target], {
      stdout: process.stdout,
      stderr: process.stderr,
    });
    if (error) {
      console.error(`asc --target ${target} failed: ${error.message}`);
      process.exit(1);
    }
  }
} else {
  console.log(`kernels: ${targets.join(', ')} up to date in build/`);
}
await import('./embed_kernels.mjs');
await import('./kernel_bindings.mjs');
