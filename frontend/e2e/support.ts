// Helpers for the end-to-end tests: the engine (through the docker CLI, for what a person
// would do by hand outside the console), screenshots, console-error capture, login.
import { expect, type Page, type TestInfo } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ADMIN = { username: 'admin', password: process.env.E2E_ADMIN_PASSWORD ?? '' };

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', timeout: 60_000 }).trim();
}

/** Remove whatever a stack left on the engine (containers, networks, volumes). */
export function removeStack(name: string): void {
  const label = `label=com.docker.compose.project=${name}`;
  const ids = (kind: string) => docker(kind, 'ls', '-q', '--filter', label).split('\n').filter(Boolean);
  try {
    const containers = docker('ps', '-aq', '--filter', label).split('\n').filter(Boolean);
    if (containers.length) docker('rm', '-f', '-v', ...containers);
    const networks = ids('network');
    if (networks.length) docker('network', 'rm', ...networks);
    const volumes = docker('volume', 'ls', '-q', '--filter', label).split('\n').filter(Boolean);
    if (volumes.length) docker('volume', 'rm', '-f', ...volumes);
  } catch (error) {
    console.warn(`cleanup of ${name}: ${String(error)}`);
  }
}

/** Save a screenshot of a main screen under the test output folder (test-results/screens),
 * and check the screen for serious accessibility faults (axe-core: names, labels, roles,
 * contrast, keyboard traps). */
export async function screen(page: Page, info: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: join(info.project.outputDir, 'screens', `${name}.png`), fullPage: true });
  // Toasts are left out: caught while fading in, their half-transparent text reads as low
  // contrast (at rest they pass, as they did when this check was set up).
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa'])
    .exclude('.mantine-Notifications-root')
    .analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const found = serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')})`);
  if (process.env.E2E_A11Y_REPORT) console.log(`a11y ${name}:`, found);
  else expect(found, `accessibility of ${name}`).toEqual([]);
}

/** Collects console errors and uncaught exceptions; `expectNone` fails the test on any.
 * `expected` lists the browser's own reports of refusals the test provokes on purpose (the
 * 422 of an invalid compose file): Chromium logs every 4xx answer to fetch() as an error. */
export function watchConsole(page: Page, expected: RegExp[] = []) {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (expected.some((re) => re.test(message.text()))) return;
    // Chromium aborts requests in flight when the host's network interfaces change, which
    // Docker does on every container start and stop (veth pairs). A real console user sees
    // it too: the queries retry and the event stream reconnects, which the test's own
    // assertions then check. It is the browser reporting its network, not a page error.
    if (/Failed to load resource: net::ERR_NETWORK_CHANGED/.test(message.text())) return;
    // The stack page asks whether the wizard made the stack (GET /stacks/{id}/wizard); a
    // stack written by hand answers 404 by contract, which the page shows as nothing.
    if (/status of 404/.test(message.text()) && /\/api\/v1\/stacks\/[^/]+\/wizard$/.test(message.location().url)) return;
    errors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
  // Which requests failed, to tell what a "Failed to load resource" was about.
  const failed: string[] = [];
  page.on('response', (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  return {
    errors,
    expectNone: () => expect(errors, `console errors (failed requests: ${failed.join(', ') || 'none'})`).toEqual([]),
  };
}

export async function login(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByTestId('current-user')).toHaveText(username);
}

/** Replace the whole text of the (CodeMirror) YAML editor, as a paste would. */
export async function setEditorText(page: Page, text: string): Promise<void> {
  const content = page.locator('[data-testid="yaml-editor"] .cm-content');
  await content.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
  await expect(content).toContainText(text.split('\n')[0] ?? '');
}
