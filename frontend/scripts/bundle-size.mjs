// The initial JavaScript bundle (what index.html loads before any lazy chunk: its module
// scripts and modulepreloads) must stay under the budget, gzipped. Exit 1 when over.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUDGET = 400 * 1024;
const dist = fileURLToPath(new URL('../../src/core_monitor/ui/dist', import.meta.url));
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const scripts = [
  ...html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g),
  ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
].map((m) => m[1]);
const styles = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => m[1]);
if (scripts.length === 0) {
  console.error('bundle-size: no module script in index.html');
  process.exit(1);
}
const size = (files) =>
  files.reduce((sum, file) => sum + gzipSync(readFileSync(join(dist, file.replace(/^\//, ''))), { level: 9 }).length, 0);
const js = size(scripts);
const css = size(styles);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`bundle-size: initial JavaScript ${kb(js)} gzipped (${scripts.length} file(s)); CSS ${kb(css)}; budget ${kb(BUDGET)}`);
if (js > BUDGET) {
  console.error(`bundle-size: over budget by ${kb(js - BUDGET)}: lazy-load more (React.lazy / import())`);
  process.exit(1);
}
