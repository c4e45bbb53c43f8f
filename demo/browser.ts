/**
 * Headless Chromium for the browser tests and the benchmark anchors: Debian's `chromium`
 * (installed by .ci/run), driven by playwright-core, on pages of the demo server
 * (demo/server.ts) that serves the modules and fixtures on 127.0.0.1.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer } from './server.js';

/** CHROMIUM_PATH, else Debian's binary. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/lib/chromium/chromium', '/usr/bin/chromium'].filter((
    p,
  ): p is string => p !== undefined);
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) {
    throw new Error(
      `no Chromium at ${
        candidates.join(' or ')
      }: install Debian's chromium (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`,
    );
  }
  return found;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
}

export interface BlankPage {
  readonly page: Page;
  /** The browser's version, e.g. "156.0.8078.108". */
  readonly version: string;
  /** Uncaught errors of the page so far. */
  readonly errors: string[];
  close(): Promise<void>;
}

/**
 * An empty page (test/runtime/blank.html) on the demo server's origin, cross-origin
 * isolated unless `isolated` is false, for tests that import the modules into it.
 */
export async function openBlankPage(isolated: boolean): Promise<BlankPage> {
  const server = await startServer({ isolated });
  const browser = await launchChromium().catch(async (err: unknown) => {
    await server.close();
    throw err;
  });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}test/runtime/blank.html`);
  return {
    page,
    version: browser.version(),
    errors,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}
