#!/usr/bin/env node
/**
 * The longest functions, methods and arrow functions in src/ and kernels/, by lines
 * from their first to their last line (nested functions count on their own too):
 *   node scripts/longest_functions.mjs [count=15] [folders...]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const [countArg, ...folderArgs] = process.argv.slice(2);
const count = Number(countArg ?? 15);
const folders = folderArgs.length > 0 ? folderArgs : ['src', 'kernels'];

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts') && !name.includes('.generated.')) yield path;
  }
}

function nameOf(node) {
  if (node.name !== undefined) return node.name.getText();
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    return parent.name.getText();
  }
  return '(anonymous)';
}

const rows = [];
for (const folder of folders) {
  for (const file of sourceFiles(folder)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && node.body !== undefined) {
        const first = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        const last = source.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
        const owner = ts.isClassLike(node.parent) && node.parent.name ? `${node.parent.name.getText()}.` : '';
        rows.push({ lines: last - first + 1, where: `${relative('.', file)}:${first}`, name: owner + nameOf(node) });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
}
rows.sort((a, b) => b.lines - a.lines);
for (const r of rows.slice(0, count)) console.log(`${String(r.lines).padStart(4)}  ${r.name}  ${r.where}`);
