/**
 * Headless Chromium for the interactive-chart tests (Debian's /usr/bin/chromium driven by
 * playwright-core). Pages are opened from files with every http(s) request blocked and recorded,
 * so a chart that needed the network would fail to render and the test would see the request.
 */
import * as fs from 'node:fs';
import { chromium, type Browser, type Page, type Locator } from 'playwright-core';

/** Where Debian installs Chromium. */
export const CHROMIUM = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface OpenedPage {
  page: Page;
  /** http(s) URLs the page tried to load (all were refused). */
  blocked: string[];
  /** Uncaught errors of the page's scripts. */
  errors: string[];
}

/** Open an HTML file with the network cut off; resolves when the DOM is ready. */
export async function openFile(browser: Browser, file: string): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const blocked: string[] = [];
  const errors: string[] = [];
  await context.route(/^https?:/, (route) => {
    blocked.push(route.request().url());
    return route.abort();
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${file}`, { waitUntil: 'domcontentloaded' });
  return { page, blocked, errors };
}

/** Wait until `count` interactive charts have rendered (their `<div>` gets `data-rendered`). */
export async function waitForCharts(page: Page, count: number, timeoutMs = 30_000): Promise<void> {
  await page.waitForFunction((n) => document.querySelectorAll('.facemask-chart[data-rendered] svg').length >= n, count, { timeout: timeoutMs });
}

/** The tooltip's text after moving the pointer to the centre of `target` ('' if none shows). */
export async function tooltipAt(page: Page, target: Locator, timeoutMs = 5_000): Promise<string> {
  await target.scrollIntoViewIfNeeded();
  await page.mouse.move(0, 0);
  const box = await target.boundingBox();
  if (!box) throw new Error('tooltipAt: the target is not visible');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 3 });
  try {
    await page.waitForSelector('#vg-tooltip-element.visible', { timeout: timeoutMs });
  } catch {
    return '';
  }
  return (await page.locator('#vg-tooltip-element').innerText()).replace(/\s*\n\s*/g, '\n');
}

/** A tooltip's text ("key\nvalue\nkey\nvalue…") as an object. */
export function tooltipFields(text: string): Record<string, string> {
  const lines = text.split('\n');
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < lines.length; i += 2) out[lines[i]] = lines[i + 1];
  return out;
}
