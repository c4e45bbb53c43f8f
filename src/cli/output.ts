/** What the commands print and write: messages on stderr, files through temporary names. */
import { platform } from '../platform/platform.js';

export function say(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Writes `path` through a temporary name, then says what it wrote. */
export async function writeOut(path: string, bytes: Uint8Array | string, what: string): Promise<void> {
  await platform().files.writeFileAtomic(path, bytes);
  say(`wrote ${path} (${what})`);
}
