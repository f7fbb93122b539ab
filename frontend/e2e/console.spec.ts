// The whole console against a real server and a real Docker engine, as a person would use it.
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { ADMIN, docker, freePort, login, removeStack, screen, setEditorText, uniqueName, watchConsole } from './support';

const IMAGE = 'coremon-test/busybox:latest';

function composeV1(port: number, published: string = `127.0.0.1:${port}:8080`): string {
  return `services:
  web:
    image: ${IMAGE}
    init: true
    command: ["sh", "-c", "sleep 4; echo ok > /tmp/index.html; exec httpd -f -p 8080 -h /tmp"]
    ports:
      - "${published}"
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/index.html"]
      interval: 1s
      timeout: 2s
      retries: 3
  ticker:
    image: ${IMAGE}
    init: true
    command: ["sh", "-c", "i=0; while true; do echo tick $$i; i=$$((i+1)); sleep 1; done"]
`;
}

async function waitCommandDone(page: Page) {
  await expect(page).toHaveURL(/\/commands\/[0-9a-f-]+$/);
  await expect(page.getByTestId('command-status')).toHaveAttribute('data-status', 'DONE', { timeout: 90_000 });
}

const stack = uniqueName('e2e');
const viewer = { username: uniqueName('viewer'), password: 'viewer-Passw0rd!' };

const failing = uniqueName('e2e-fail');
const slow = uniqueName('e2e-slow');

// The viewer test looks at the stack the first test made.
test.describe.configure({ mode: 'serial' });
test.afterAll(() => {
  removeStack(stack);
  removeStack(failing);
  removeStack(slow);
});

test('an operator runs a stack from the browser, live', async ({ page }, info) => {
  const consoleErrors = watchConsole(page, [/status of 422 \(Unprocessable (Entity|Content)\)/]);
  const port = await freePort();

  await test.step('log in', async () => {
    await page.goto('/');
    await expect(page).toHaveURL(/\/login$/);
    await screen(page, info, '01-login');
    // Keyboard only: the username field has the focus, Tab moves on, Enter submits.
    await expect(page.getByLabel('Username')).toBeFocused();
    await page.keyboard.type(ADMIN.username);
    await page.keyboard.press('Tab');
    await expect(page.getByLabel('Password')).toBeFocused();
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('current-user')).toHaveText(ADMIN.username);
    await expect(page.getByTestId('current-role')).toHaveText('admin');
  });

  await test.step('create a stack by pasting YAML; see the validation error at its line; fix it', async () => {
    await page.getByRole('link', { name: 'New stack' }).first().click();
    await page.getByTestId('stack-name').fill(stack);
    const bad = composeV1(port, '127.0.0.1:99999:8080');
    await setEditorText(page, bad);
    await page.getByTestId('compose-submit').click();
    const error = page.getByTestId('validation-error').first();
    await expect(error).toContainText('services.web.ports[0]');
    const badLine = bad.split('\n').findIndex((l) => l.includes('99999')) + 1;
    await expect(error).toHaveAttribute('data-line', String(badLine));
    // The editor marks that very line.
    const marked = page.locator('[data-testid="yaml-editor"] .cm-line:has(.cm-lintRange-error)');
    await expect(marked).toHaveCount(1);
    await expect(marked).toContainText('99999');
    await screen(page, info, '02-validation-error');
    await setEditorText(page, composeV1(port));
    await page.getByTestId('version-comment').fill('first cut');
    await page.getByTestId('compose-submit').click();
    await expect(page).toHaveURL(new RegExp(`/stacks/${stack}/versions$`));
    await expect(page.getByTestId('version-1')).toBeVisible();
  });

  await test.step('plan, then apply v1', async () => {
    await page.getByTestId('apply-1').click();
    const steps = page.getByTestId('plan-step');
    await expect(steps.first()).toBeVisible();
    await expect(page.getByTestId('plan-steps')).toContainText('create container');
    await expect(page.getByTestId('plan-steps')).toContainText(`${stack}-web-1`);
    await screen(page, info, '03-plan');
    await page.getByTestId('confirm-plan').click();
    await waitCommandDone(page);
    await expect(page.getByTestId('command-log-line').first()).toBeVisible();
    await screen(page, info, '04-command');
  });

  await test.step('watch services turn healthy live', async () => {
    await page.getByRole('link', { name: stack }).click();
    await page.evaluate(() => {
      (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
    });
    await expect(page.getByTestId(`container-state-${stack}-web-1`)).toHaveAttribute('data-status', 'running');
    // The web server starts 4 s late: its health check says "starting" first, then "healthy",
    // which the page shows as the engine's events arrive.
    const health = page.getByTestId(`container-health-${stack}-web-1`);
    await expect(health).toHaveAttribute('data-status', 'starting');
    await expect(health).toHaveAttribute('data-status', 'healthy');
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await expect(page.getByTestId('stack-status')).toHaveAttribute('data-status', 'RUNNING');
    // The published port answers: the app really runs.
    const answer = await page.request.get(`http://127.0.0.1:${port}/index.html`);
    expect(await answer.text()).toContain('ok');
    await screen(page, info, '05-stack');
  });

  await test.step('edit as v2', async () => {
    await page.getByTestId('tab-versions').click();
    await page.getByTestId('edit-1').click();
    await expect(page.locator('[data-testid="yaml-editor"] .cm-content')).toContainText('httpd');
    const v2 = composeV1(port).replace('    init: true\n', '    init: true\n    environment:\n      MODE: blue\n');
    await setEditorText(page, v2);
    await page.getByTestId('version-comment').fill('blue mode');
    await page.getByTestId('compose-submit').click();
    await expect(page.getByTestId('version-2')).toBeVisible();
    await screen(page, info, '06-versions');
  });

  await test.step('compare v1 and v2 side by side', async () => {
    await page.getByTestId('compare-a-1').check();
    await page.getByTestId('compare-b-2').check();
    await page.getByTestId('compare').click();
    const merge = page.getByTestId('yaml-merge');
    await expect(merge.locator('.cm-merge-a')).toContainText('httpd');
    await expect(merge.locator('.cm-merge-b')).toContainText('MODE: blue');
    await expect(merge.locator('.cm-merge-a')).not.toContainText('MODE: blue');
    await expect(merge.locator('.cm-merge-b .cm-changedLine').first()).toBeVisible();
    await expect(page.getByTestId('structured-diff')).toContainText('environment.MODE');
    await screen(page, info, '07-compare');
  });

  await test.step('apply v2 after its plan', async () => {
    await page.getByTestId('tab-versions').click();
    await page.getByTestId('apply-2').click();
    await expect(page.getByTestId('plan-steps')).toContainText('recreate container');
    await page.getByTestId('confirm-plan').click();
    await waitCommandDone(page);
    await page.goto(`/stacks/${stack}/versions`);
    await expect(page.getByTestId('version-2')).toHaveAttribute('data-current', 'true');
  });

  await test.step('roll back to v1', async () => {
    await page.getByTestId('rollback-1').click();
    await expect(page.getByTestId('plan-step').first()).toBeVisible();
    await page.getByTestId('confirm-plan').click();
    await waitCommandDone(page);
    await page.getByRole('link', { name: stack }).click();
    await expect(page.getByTestId('stack-versions')).toContainText('current v1');
    await expect(page.getByTestId(`container-health-${stack}-web-1`)).toHaveAttribute('data-status', 'healthy');
  });

  await test.step("follow a container's logs and see a new line appear", async () => {
    await page.getByTestId('tab-logs').click();
    await page.getByTestId('log-container').selectOption(`${stack}-ticker-1`);
    await expect(page.getByTestId('log-state')).toHaveAttribute('data-state', 'live');
    const lines = page.getByTestId('log-line');
    await expect(lines.first()).toContainText('tick');
    const last = async () => Number(((await lines.last().textContent()) ?? '').match(/tick (\d+)/)?.[1] ?? -1);
    const before = await last();
    await expect.poll(last, { timeout: 15_000 }).toBeGreaterThan(before);
    await page.getByTestId('log-filter').fill(`tick ${before}`);
    await expect(lines).toHaveCount(1);
    await page.getByTestId('log-filter').fill('');
    const download = page.waitForEvent('download');
    await page.getByTestId('log-download').click();
    const file = await (await download).path();
    expect(readFileSync(file, 'utf8')).toMatch(/stdout tick \d+/);
    await screen(page, info, '08-logs');
  });

  await test.step('stop and start a service', async () => {
    await page.getByTestId('tab-services').click();
    const ticker = page.getByTestId(`container-state-${stack}-ticker-1`);
    await expect(ticker).toHaveAttribute('data-status', 'running');
    await page.getByTestId('service-stop-ticker').click();
    await expect(ticker).toHaveAttribute('data-status', 'exited', { timeout: 60_000 });
    // stopped on purpose: a desired state, so the stack is not degraded for it (issue 14)
    await expect(page.getByTestId('stack-status')).toHaveAttribute('data-status', 'RUNNING');
    await page.getByTestId('service-start-ticker').click();
    await expect(ticker).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
    await expect(page.getByTestId('stack-status')).toHaveAttribute('data-status', 'RUNNING');
  });

  await test.step('a container stopped by hand shows as drift; one click re-applies', async () => {
    // Watched from the versions tab: the header's status badge is live on every tab.
    await page.getByTestId('tab-versions').click();
    docker('stop', '-t', '1', `${stack}-ticker-1`);
    await expect(page.getByTestId('stack-status')).toHaveAttribute('data-status', 'DRIFTED');
    await page.getByTestId('tab-services').click();
    await expect(page.getByTestId('drift-items')).toContainText(`${stack}-ticker-1`);
    await screen(page, info, '09-drift');
    await page.getByTestId('reapply').click();
    await expect(page.getByTestId('stack-status')).toHaveAttribute('data-status', 'RUNNING', { timeout: 60_000 });
    await expect(page.getByTestId('drift-panel')).toHaveCount(0);
    await expect(page.getByTestId(`container-state-${stack}-ticker-1`)).toHaveAttribute('data-status', 'running');
  });

  await test.step('the commands list shows what happened', async () => {
    await page.getByRole('link', { name: 'Commands' }).first().click();
    // apply v1, apply v2, rollback, stop, start, re-apply
    await expect(page.getByTestId('command-row')).toHaveCount(6);
    await page.getByTestId('filter-type').selectOption('STOP');
    await expect(page.getByTestId('command-row')).toHaveCount(1);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await screen(page, info, '10-commands');
  });

  await test.step('kill a container outside the console: the dashboard turns DEGRADED without a reload', async () => {
    await page.getByRole('link', { name: 'Dashboard' }).click();
    const badge = page.getByTestId(`stack-status-${stack}`);
    await expect(badge).toHaveAttribute('data-status', 'RUNNING');
    await page.evaluate(() => {
      (window as unknown as { __noReload: boolean }).__noReload = true;
    });
    docker('kill', `${stack}-web-1`);
    await expect(badge).toHaveAttribute('data-status', 'DEGRADED');
    // Same document: nothing reloaded the page.
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    await screen(page, info, '11-dashboard-degraded');
    // Dark mode is one click away, and stays readable.
    await page.getByTestId('color-scheme-toggle').click();
    await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'dark');
    await screen(page, info, '11-dashboard-dark');
    await page.getByTestId('color-scheme-toggle').click();
    await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'light');
  });

  await test.step('an admin creates a viewer', async () => {
    await page.getByRole('link', { name: 'Admin' }).click();
    await expect(page.getByTestId('users-table')).toContainText('admin');
    await page.getByRole('button', { name: 'New user' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Username').fill(viewer.username);
    await dialog.getByLabel('Password').fill(viewer.password);
    await dialog.getByLabel('Role').selectOption('viewer');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(page.getByTestId('users-table')).toContainText(viewer.username);
    await screen(page, info, '12-admin');
  });

  await test.step('an admin creates an API token (shown once), reads the audit trail and the policy', async () => {
    await page.getByTestId('admin-tab-tokens').click();
    await page.getByRole('button', { name: 'New token' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('ci');
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const secret = (await page.getByTestId('token-secret').textContent())?.trim() ?? '';
    expect(secret.length).toBeGreaterThan(20);
    // The token works as a bearer credential on the API...
    const me = await page.request.get('/api/v1/auth/me', { headers: { Authorization: `Bearer ${secret}` } });
    expect(me.status()).toBe(200);
    await dialog.getByRole('button', { name: 'Done' }).click();
    // ...and is never shown again.
    await expect(page.getByTestId('tokens-table')).toContainText('ci');
    await expect(page.getByTestId('tokens-table')).not.toContainText(secret);
    await page.getByTestId('admin-tab-audit').click();
    await expect(page.getByTestId('audit-table')).toContainText('stack.create');
    await screen(page, info, '12-audit');
    await page.getByTestId('admin-tab-policy').click();
    await expect(page.getByRole('heading', { name: 'Rules' })).toBeVisible();
    await screen(page, info, '12-policy');
  });

  consoleErrors.expectNone();
});

test('a viewer cannot see the apply button', async ({ page }, info) => {
  const consoleErrors = watchConsole(page);
  await login(page, viewer.username, viewer.password);
  await expect(page.getByTestId('current-role')).toHaveText('viewer');
  await expect(page.getByTestId('new-stack')).toHaveCount(0);
  // Any version's YAML can be read.
  await page.goto(`/stacks/${stack}/versions/1`);
  await expect(page.locator('[data-testid="yaml-editor"] .cm-content')).toContainText('httpd -f -p 8080');
  await page.goto(`/stacks/${stack}/versions`);
  await expect(page.getByTestId('version-1')).toBeVisible();
  await expect(page.getByRole('button', { name: /apply/i })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /roll back/i })).toHaveCount(0);
  await expect(page.getByTestId('edit-2')).toHaveCount(0);
  await page.getByTestId('tab-services').click();
  await expect(page.getByTestId('service-stop-web')).toHaveCount(0);
  await expect(page.getByTestId('stack-delete')).toHaveCount(0);
  await screen(page, info, '13-viewer');
  // On a tablet the navigation folds behind a button.
  await page.setViewportSize({ width: 820, height: 1180 });
  await page.getByRole('button', { name: 'Toggle navigation' }).click();
  await expect(page.getByRole('link', { name: 'Commands' })).toBeVisible();
  await page.getByRole('button', { name: 'Toggle navigation' }).click();
  await screen(page, info, '14-tablet');
  await page.getByTestId('logout').click();
  await expect(page).toHaveURL(/\/login$/);
  consoleErrors.expectNone();
});

test('a failed command halts the queue: retry, then dismiss, from the dashboard', async ({ page }, info) => {
  const consoleErrors = watchConsole(page);
  await login(page, ADMIN.username, ADMIN.password);
  // A stack whose image is absent and may not be pulled: its APPLY fails at once.
  const csrf = (await page.context().cookies()).find((c) => c.name === 'coremon_csrf')?.value ?? '';
  const headers = { 'X-CSRF-Token': csrf };
  const compose = `services:\n  app:\n    image: coremon-test/absent:latest\n    pull_policy: never\n`;
  expect((await page.request.post('/api/v1/stacks', { data: { name: failing, compose }, headers })).status()).toBe(201);
  expect((await page.request.post(`/api/v1/stacks/${failing}/apply/1`, { headers })).status()).toBe(202);
  await page.goto('/');
  const halted = page.getByTestId('queue-halted');
  await expect(halted).toContainText('pull_policy');
  await expect(page.getByTestId(`stack-status-${failing}`)).toHaveAttribute('data-status', 'FAILED');
  await screen(page, info, '15-queue-halted');
  await page.getByTestId('queue-retry').click();
  // It fails again (nothing changed): the queue stays halted, now after a second attempt.
  await expect(page.getByText(/APPLY failed/).first()).toBeVisible();
  await expect(halted).toBeVisible();
  await page.getByTestId('queue-dismiss').click();
  await page.getByTestId('dismiss-reason').fill('the image is not built on this host');
  await page.getByRole('dialog').getByRole('button', { name: 'Dismiss', exact: true }).click();
  await expect(halted).toHaveCount(0);
  await expect(page.getByTestId('queue-depth')).toHaveText('0');
  consoleErrors.expectNone();
});

test('a running command is cancelled from its page', async ({ page }) => {
  const consoleErrors = watchConsole(page);
  await login(page, ADMIN.username, ADMIN.password);
  const csrf = (await page.context().cookies()).find((c) => c.name === 'coremon_csrf')?.value ?? '';
  // b waits for a to be healthy, which never happens: the APPLY runs until cancelled.
  const compose = [
    'services:',
    '  a:',
    `    image: ${IMAGE}`,
    '    init: true',
    '    command: ["sleep", "600"]',
    '    healthcheck: {test: ["CMD", "false"], interval: 1s, retries: 100}',
    '  b:',
    `    image: ${IMAGE}`,
    '    init: true',
    '    command: ["sleep", "600"]',
    '    depends_on: {a: {condition: service_healthy}}',
    '',
  ].join('\n');
  const created = await page.request.post('/api/v1/stacks', { data: { name: slow, compose }, headers: { 'X-CSRF-Token': csrf } });
  expect(created.status()).toBe(201);
  await page.goto(`/stacks/${slow}/versions`);
  await page.getByTestId('apply-1').click();
  await page.getByTestId('confirm-plan').click();
  await expect(page.getByTestId('command-status')).toHaveAttribute('data-status', 'RUNNING');
  await expect(page.getByTestId('command-log')).toContainText('start');
  await page.getByTestId('command-cancel').click();
  await expect(page.getByTestId('command-status')).toHaveAttribute('data-status', 'CANCELLED');
  consoleErrors.expectNone();
});

test('an admin deletes the stack after typing its name', async ({ page }) => {
  const consoleErrors = watchConsole(page);
  await login(page, ADMIN.username, ADMIN.password);
  await page.goto(`/stacks/${stack}`);
  await page.getByTestId('stack-delete').click();
  await expect(page.getByTestId('delete-submit')).toBeDisabled();
  await page.getByTestId('delete-confirm-name').fill(`${stack}-typo`);
  await expect(page.getByTestId('delete-submit')).toBeDisabled();
  await page.getByTestId('delete-confirm-name').fill(stack);
  await page.getByTestId('delete-volumes').check();
  await page.getByTestId('delete-submit').click();
  await expect(page).toHaveURL(/\/commands\/[0-9a-f-]+$/);
  await expect(page.getByTestId('command-status')).toHaveAttribute('data-status', 'DONE', { timeout: 90_000 });
  expect(docker('ps', '-aq', '--filter', `label=com.docker.compose.project=${stack}`)).toBe('');
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByTestId(`stack-row-${stack}`)).toHaveCount(0);
  // Its versions stay in the history: shown on asking, read-only, restorable as a new stack.
  await page.getByTestId('show-deleted').check({ force: true }); // Mantine's input is visually hidden
  await page.getByTestId(`deleted-row-${stack}`).getByRole('link', { name: stack }).click();
  await expect(page.getByTestId('deleted-note')).toBeVisible();
  await expect(page.getByTestId('stack-delete')).toHaveCount(0);
  await page.getByTestId('restore-1').click();
  await page.getByTestId('restore-name').fill(`${stack}-restored`);
  await page.getByTestId('restore-submit').click();
  await expect(page).toHaveURL(new RegExp(`/stacks/${stack}-restored$`));
  await expect(page.getByRole('heading', { name: `${stack}-restored` })).toBeVisible();
  consoleErrors.expectNone();
});

test('the console is served at / without shadowing the API', async ({ request }) => {
  const deep = await request.get('/stacks/anything/versions');
  expect(deep.status()).toBe(200);
  expect(await deep.text()).toContain('<div id="root">');
  const api = await request.get('/api/v1/no-such-route');
  // The API's own answer (a problem+json 404, or 401 before it when anonymous), never the page.
  expect([401, 404]).toContain(api.status());
  expect(api.headers()['content-type']).toContain('json');
  const schema = await request.get('/openapi.json');
  expect((await schema.json()).info.title).toBe('Core Monitor');
  expect((await request.get('/healthz')).status()).toBe(200);
  expect((await request.get('/assets/no-such-chunk.js')).status()).toBe(404);
  expect((await request.post('/stacks/anything')).status()).toBe(404);
});
