#!/usr/bin/env node
/**
 * vqgan: the command line. This file parses the arguments, picks the command and turns
 * errors into the exit status; the commands are in codec_commands.ts, bench_command.ts
 * and weights_commands.ts. Each command computes everything first, then writes its
 * files through temporary names, and prints what it wrote on stderr (stdout carries
 * only token JSON when no --out is given); only a batch encode into .jsonl appends as it
 * goes (batch_encode.ts). Errors print one line and exit 1.
 */
import '../entries/install_node.js';
import { parseArgs } from 'node:util';
import { VqganError } from '../core/errors.js';
import { bench } from './bench_command.js';
import { decode, encode, reconstruct } from './codec_commands.js';
import { HELP } from './help.js';
import { disposeModels } from './load_model.js';
import { ALLOWED, INPUTS, OPTIONS, type Options } from './options.js';
import { say } from './output.js';
import { convert, fetchModel, info } from './weights_commands.js';

const COMMANDS: Record<string, (inputs: readonly string[], opts: Options) => Promise<void>> = {
  encode,
  decode,
  reconstruct,
  bench,
  fetch: fetchModel,
  convert,
  info,
};

async function main(argv: readonly string[]): Promise<number> {
  let debug = argv.includes('--debug');
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    const opts = values as Options;
    debug = opts.debug === true;
    const [command, ...rest] = positionals;
    if (command === undefined || command === 'help') {
      say(HELP.main!);
      return opts.help === true || command === 'help' ? 0 : 1;
    }
    const run = COMMANDS[command];
    if (run === undefined) {
      throw new VqganError(
        'BAD_ARGUMENT',
        `unknown command '${command}' (commands: ${Object.keys(COMMANDS).join(', ')})`,
      );
    }
    if (opts.help === true) {
      process.stdout.write(`${HELP[command]}\n`);
      return 0;
    }
    for (const key of Object.keys(opts) as (keyof Options)[]) {
      if (key !== 'debug' && !ALLOWED[command]!.includes(key)) {
        throw new VqganError('BAD_ARGUMENT', `vqgan ${command} has no option --${key} (see vqgan ${command} --help)`);
      }
    }
    const inputs = INPUTS[command]!;
    if (rest.length < inputs.min || rest.length > inputs.max) {
      throw new VqganError(
        'BAD_ARGUMENT',
        `vqgan ${command} takes ${inputs.what}, got ${rest.length} (see vqgan ${command} --help)`,
      );
    }
    await run(rest, opts);
    return 0;
  } catch (err) {
    const code = (err as { code?: string; }).code;
    if (err instanceof VqganError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      say(`vqgan: ${(err as Error).message}`);
      if (debug) say(String((err as Error).stack));
      return 1;
    }
    say(
      `vqgan: internal error: ${(err as Error)?.message ?? String(err)}${
        debug ? `\n${(err as Error)?.stack}` : ' (run with --debug for details)'
      }`,
    );
    return 2;
  } finally {
    disposeModels();
  }
}

process.exitCode = await main(process.argv.slice(2));
