/**
 * HTML → PDF through headless Chromium (playwright-core), the path used in browser mode and from
 * the CLI; the desktop app uses Electron's printToPDF instead. Every run gets a fresh, throwaway
 * user-data dir, and the page may load file: URLs only — a report that reaches for the network
 * fails to render those parts instead of leaking a request.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { MarginError, badInput } from '../shared/errors.ts';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

export interface PdfOptions {
  /** A Chromium binary; else MARGIN_CHROMIUM, else Playwright's own, else /usr/bin/chromium. */
  chromiumPath?: string;
}

export interface PdfResult {
  pages: number;
  bytes: number;
}

/**
 * Which Chromium to run. Returns the executable path, or undefined to let Playwright start its
 * own browser. `env` and `exists` are injectable so the order can be tested without browsers.
 */
export function resolveChromium(
  option: string | undefined,
  env: Record<string, string | undefined> = process.env,
  exists: (p: string) => boolean = existsSync,
  playwrightOwn: () => string | undefined = ownPlaywrightChromium,
): string | undefined {
  if (option !== undefined) {
    if (!exists(option)) throw badInput(`chromiumPath ${option} does not exist: give the path of a Chromium binary, or leave it out to use MARGIN_CHROMIUM or /usr/bin/chromium`);
    return option;
  }
  const fromEnv = env.MARGIN_CHROMIUM;
  if (fromEnv) {
    if (!exists(fromEnv)) throw badInput(`MARGIN_CHROMIUM=${fromEnv} does not exist: point it at a Chromium binary or unset it`);
    return fromEnv;
  }
  const own = playwrightOwn();
  if (own && exists(own)) return undefined;
  if (exists(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  throw new MarginError(
    'UNSUPPORTED',
    'No Chromium found to render the PDF: install Debian\'s `chromium` package (apt-get install chromium), or set MARGIN_CHROMIUM to a Chromium binary. The HTML report was still written.',
  );
}

function ownPlaywrightChromium(): string | undefined {
  try {
    return chromium.executablePath();
  } catch {
    return undefined; // Playwright has no browser of its own here
  }
}

/** Pages in a PDF: its page objects (`/Type /Page`, not the `/Pages` tree nodes). */
export function countPdfPages(pdf: Uint8Array): number {
  const text = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('latin1');
  return (text.match(/\/Type\s*\/Page(?![A-Za-z])/g) ?? []).length;
}

/**
 * Renders `htmlPath` to an A4 PDF at `pdfPath`, written as is: a path the user named goes through
 * writeReport / writeOutputWith (src-main/store/safe-output.ts), which hands this a temporary path.
 */
export async function htmlToPdf(htmlPath: string, pdfPath: string, options: PdfOptions = {}): Promise<PdfResult> {
  if (typeof htmlPath !== 'string' || htmlPath.trim() === '') throw badInput('htmlPath must be the path of an HTML file');
  if (typeof pdfPath !== 'string' || pdfPath.trim() === '') throw badInput('pdfPath must be the path of the PDF to write');
  const html = resolve(htmlPath);
  if (!(await stat(html).catch(() => null))?.isFile()) throw badInput(`htmlPath ${htmlPath} is not a file: write the HTML report first`);
  const executablePath = resolveChromium(options.chromiumPath);
  const out = resolve(pdfPath);
  await mkdir(dirname(out), { recursive: true });

  // Playwright refuses --user-data-dir among the args; a persistent context on a fresh temp
  // dir is the same thing (no profile, cache or crash state shared with any other run).
  const userDataDir = await mkdtemp(join(tmpdir(), 'margin-pdf-'));
  let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      args: CHROMIUM_ARGS,
      headless: true,
      offline: true,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
    await writeFile(out, pdf);
    return { pages: countPdfPages(pdf), bytes: pdf.byteLength };
  } catch (err) {
    if (err instanceof MarginError) throw err;
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new MarginError('INTERNAL', `Chromium could not render ${htmlPath} to PDF: ${msg}`, { executablePath: executablePath ?? 'playwright' });
  } finally {
    await context?.close().catch(() => undefined);
    await rm(userDataDir, { recursive: true, force: true }).catch(() => undefined);
  }
}
