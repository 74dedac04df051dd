// Screenshots of every page kind of a served site, for scripts/screenshots (which builds and
// serves the example site and passes the options; see there).
//
//   node scripts/screenshots.mjs PUPPETEER CHROMIUM BASE_URL DIR
//
// PUPPETEER is puppeteer-core's entry module (BRIEFING_PUPPETEER in tools/env.sh). Each page of
// PAGES at 360x800 and 1366x900 (the whole page height), light and dark:
// DIR/NAME-WIDTH-light.png and DIR/NAME-WIDTH-dark.png. Dark is `prefers-color-scheme: dark`
// emulated through the DevTools protocol (Emulation.setEmulatedMedia), the media query the
// theme answers; Chromium's forced dark mode (--force-dark-mode, WebContentsForceDark)
// recolours the light theme instead and is not what a reader in dark mode sees.

import { pathToFileURL } from 'node:url';

const [entry, chrome, base, out] = process.argv.slice(2);
const { default: puppeteer } = await import(pathToFileURL(entry).href);

// Every page kind of the example site, by the name its screenshots get.
const PAGES = [
  ['home', '/'],
  ['section', '/hedges/'],
  ['brief-chart', '/alliance-posture/north-korea-threat/'],
  ['brief-hedge', '/hedges/china/'],
  ['briefing', '/briefing/'],
  ['chronology', '/chronology/'],
  ['actor', '/actors/china/'],
  ['taxonomy', '/actors/'],
  ['search', '/search/?q=china'],
  ['404', '/no-such-page/'],
  // The French edition: French runs about a fifth longer than English, and has its own
  // typography (guillemets, narrow spaces before ; : ! ?, hyphenation by lang=fr).
  ['fr-home', '/fr/'],
  ['fr-section', '/fr/hedges/'],
  ['fr-brief-chart', '/fr/alliance-posture/north-korea-threat/'],
  ['fr-brief-hedge', '/fr/hedges/china/'],
  ['fr-404', '/fr/no-such-page/'],
];

const SIZES = [[360, 800], [1366, 900]];
const SCHEMES = ['light', 'dark'];

const browser = await puppeteer.launch({
  executablePath: chrome,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
let failed = 0;
try {
  const page = await browser.newPage();
  // Every load from the server: a cached page answers 304 and a revalidated one tells nothing.
  await page.setCacheEnabled(false);
  for (const [name, path] of PAGES) {
    for (const [width, height] of SIZES) {
      for (const scheme of SCHEMES) {
        const file = `${out}/${name}-${width}-${scheme}.png`;
        try {
          await page.setViewport({ width, height });
          await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
          const response = await page.goto(new URL(path, base).href, { waitUntil: 'networkidle0' });
          const status = response ? response.status() : 0;
          // The 404 pages are the only pages meant to answer 404.
          if (status !== 200 && !(name.endsWith('404') && status === 404)) {
            throw new Error(`HTTP ${status}`);
          }
          if (path.includes('?q=')) {
            // Search results render after the index is fetched: wait for the first one.
            await page.waitForSelector('.pagefind-ui__result', { timeout: 15000 });
            await page.waitForNetworkIdle({ idleTime: 300 });
          }
          await page.evaluate(() => document.fonts.ready);
          await page.screenshot({ path: file, fullPage: true });
          process.stdout.write(`screenshots: ${file}\n`);
        } catch (e) {
          failed++;
          process.stderr.write(`screenshots: ERROR: ${name} (${path}) at ${width} px, ${scheme}: ${e.message}\n`);
        }
      }
    }
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
