#!/usr/bin/env node
/**
 * Formats the TypeScript, AssemblyScript and JavaScript sources with dprint's TypeScript
 * plugin, run from its npm packages: nothing is downloaded. It parses AssemblyScript's
 * `<T>x` casts, which Prettier's parsers reject, but it would drop a decorator on a
 * function (`@inline`, which TypeScript's grammar has no place for), so those are masked
 * as comments while a file is formatted and put back after.
 * The settings are dprint.json's, so an editor's dprint extension formats the same way.
 *   node scripts/format.mjs           rewrite the files that are not formatted
 *   node scripts/format.mjs --check   list them and exit 1 (CI)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createFromBuffer } from '@dprint/formatter';
import { getPath } from '@dprint/typescript';

const check = process.argv.includes('--check');
const root = new URL('..', import.meta.url);
const config = JSON.parse(readFileSync(new URL('dprint.json', root), 'utf8'));

/** dprint.json's include and exclude globs as one test: `**` any folders, `*` within a name, `{a,b}` either. */
function globTest(globs) {
  const source = (glob) =>
    glob.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\{([^}]*)\}/g, (_, alts) => `(${alts.split(',').join('|')})`)
      .replace(/\*\*\//g, '(.*/)?').replace(/\*/g, '[^/]*');
  const pattern = new RegExp(`^(${globs.map(source).join('|')})$`);
  return (path) => pattern.test(path);
}

const included = globTest(config.includes);
const excluded = globTest(config.excludes);
// The files git tracks and the new ones it does not ignore.
const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  cwd: root,
  encoding: 'utf8',
});
const files = [...new Set(listed.split('\n'))].filter((path) => included(path) && !excluded(path));

const formatter = createFromBuffer(readFileSync(getPath()));
const { includes: _includes, excludes: _excludes, typescript, ...global } = config;
formatter.setConfig(global, typescript);

/** `@inline` at the start of a line (kernels/) ⇄ a comment dprint keeps where it stands. */
const FUNCTION_DECORATOR = /^(\s*)@(inline)\b/gm;
const MASKED_DECORATOR = /^(\s*)\/\*@(inline)\*\/ ?/gm;
const mask = (text) => text.replace(FUNCTION_DECORATOR, '$1/*@$2*/');
const unmask = (text) => text.replace(MASKED_DECORATOR, '$1@$2\n$1').replace(/^(\s*)@(inline)\n\s*\n/gm, '$1@$2\n');

const unformatted = [];
for (const path of files) {
  const file = new URL(path, root);
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // listed by git but deleted in the working tree
  }
  // A few constructs settle only on a second pass; the result is what a pass leaves unchanged.
  let formatted = text;
  for (let pass = 0; pass < 3; pass++) {
    const next = unmask(formatter.formatText({ filePath: path, fileText: mask(formatted) }));
    if (next === formatted) break;
    formatted = next;
  }
  if (formatted === text) continue;
  unformatted.push(path);
  if (!check) writeFileSync(file, formatted);
}
if (check && unformatted.length > 0) {
  console.error(`not formatted (run npm run format):\n  ${unformatted.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `${files.length} files ${check ? 'checked' : 'formatted'}${
    unformatted.length > 0 && !check ? `, ${unformatted.length} rewritten` : ''
  }`,
);
