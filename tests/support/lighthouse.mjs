// Runs Lighthouse for tests/lighthouse.rs: every URL with every preset, RUNS times, in one
// Chromium, and prints one JSON line per run on stdout.
//
//   node lighthouse.mjs '{"lighthouse": CLI, "chrome": PATH, "chromeFlags": [..],
//                         "runs": 3, "presets": ["mobile", "desktop"], "urls": [..]}'
//
// This is what `CHROME_PATH=PATH lighthouse URL [--preset=desktop] --chrome-flags=".."` does,
// through Lighthouse's Node API: one node process and one Chromium for all the runs instead of
// one of each per run, which halves the gate's wall time on two cores. Lighthouse resets the
// page's storage and cache before every run, as the CLI does.
//
// The first line is {"chromePid"}; then one a run: {"url", "preset", "run", "ms",
//   "scores": {category: 0..100 | null}, "failing": {category: [{id, title, score,
//   displayValue, weight}]}, "runtimeError", "warnings"}. "failing" lists, for each category
// under 100, its audits that scored under 1 (weighted or not), so a failure says what to fix.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const opts = JSON.parse(process.argv[2]);
// Lighthouse and chrome-launcher are resolved from the installed CLI (tools/node_modules), the
// same files `lighthouse` on the command line runs.
const req = createRequire(opts.lighthouse);
const load = (name) => import(pathToFileURL(req.resolve(name)).href);
const { default: lighthouse } = await load('lighthouse');
const { default: desktop } = await load('lighthouse/core/config/desktop-config.js');
const chromeLauncher = await load('chrome-launcher');

process.env.CHROME_PATH = opts.chrome;
const chrome = await chromeLauncher.launch({
  chromePath: opts.chrome,
  chromeFlags: opts.chromeFlags,
  logLevel: 'silent',
});
// The test kills this Chromium itself if it has to stop this script: chrome-launcher starts it
// in a process group of its own, out of reach of a signal to this one.
process.stdout.write(JSON.stringify({ chromePid: chrome.pid }) + '\n');
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => { chrome.kill(); process.exit(1); });
}

// What a non-scoring audit reports: these never lower a category.
const SILENT = new Set(['informative', 'notApplicable', 'manual']);

function summarise(lhr) {
  const scores = {};
  const failing = {};
  for (const [id, cat] of Object.entries(lhr.categories)) {
    scores[id] = cat.score === null ? null : Math.round(cat.score * 100);
    // A run that could not load the page says so in runtimeError; every audit repeats it.
    if (scores[id] === 100 || lhr.runtimeError) continue;
    failing[id] = cat.auditRefs
      .map((ref) => ({ ref, audit: lhr.audits[ref.id] }))
      .filter(({ audit }) => audit && !SILENT.has(audit.scoreDisplayMode)
        && (audit.score === null ? audit.scoreDisplayMode === 'error' : audit.score < 1))
      .sort((a, b) => b.ref.weight - a.ref.weight)
      .map(({ ref, audit }) => ({
        id: ref.id,
        title: audit.title,
        score: audit.score,
        displayValue: audit.displayValue ?? audit.errorMessage ?? '',
        weight: ref.weight,
      }));
  }
  return { scores, failing };
}

try {
  // Round by round, so a passing spike of load on the shared machine falls on different pages
  // rather than on all three runs of one page.
  for (let run = 1; run <= opts.runs; run++) {
    for (const preset of opts.presets) {
      for (const url of opts.urls) {
        const t = Date.now();
        const flags = { port: chrome.port, output: 'json', logLevel: 'error' };
        const result = await lighthouse(url, flags, preset === 'desktop' ? desktop : undefined);
        const lhr = result.lhr;
        const line = {
          url, preset, run, ms: Date.now() - t,
          ...summarise(lhr),
          runtimeError: lhr.runtimeError ? `${lhr.runtimeError.code}: ${lhr.runtimeError.message}` : null,
          warnings: lhr.runWarnings ?? [],
        };
        process.stdout.write(JSON.stringify(line) + '\n');
      }
    }
  }
} finally {
  await chrome.kill();
}
