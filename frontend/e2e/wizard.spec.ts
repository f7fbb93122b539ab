// The guided wizard end to end (issue 17), on the real engine: nginx as reverse proxy +
// Tomcat + PostgreSQL with a Java application slot, created and applied from the browser; an
// HTTP request through nginx's port (published on 127.0.0.1) reaches Tomcat; an answer
// changed with the wizard makes a new version (its diff shown) that is applied; a component
// version is upgraded. The images are the local stand-ins tagged with the catalog's exact
// references (nginx:1.27, tomcat:10.1, postgres:15, postgres:16).
import { expect, test, type Page } from '@playwright/test';
import { freePort, login, ADMIN, removeStack, screen, uniqueName, watchConsole } from './support';

const stack = uniqueName('e2e-wiz');

test.describe.configure({ mode: 'serial' });
test.afterAll(() => removeStack(stack));

async function waitCommandDone(page: Page) {
  await expect(page).toHaveURL(/\/commands\/[0-9a-f-]+$/);
  await expect(page.getByTestId('command-status')).toHaveAttribute('data-status', 'DONE', { timeout: 180_000 });
}

/** Tomcat answers through nginx: its own error page (no application is deployed yet) or its
 * Server header, never nginx's 502 of an unreachable backend. */
async function expectTomcatBehindNginx(page: Page, port: number) {
  await expect
    .poll(
      async () => {
        try {
          const answer = await page.request.get(`http://127.0.0.1:${port}/`, { timeout: 5_000 });
          return `${answer.status()} ${await answer.text()}`;
        } catch (error) {
          return String(error);
        }
      },
      { timeout: 120_000, intervals: [1_000, 2_000, 3_000] },
    )
    .toMatch(/Apache Tomcat/);
}

async function addComponent(page: Page, search: string, title: string, version?: string) {
  await page.getByLabel('Search the catalog').fill(search);
  const card = page.locator(`[data-testid="catalog-item"]`).filter({ hasText: title }).first();
  if (version) await card.getByLabel(`Version of ${title}`).selectOption(version);
  await card.getByRole('button', { name: `Add ${title}` }).click();
  await expect(card).toHaveAttribute('data-chosen', 'true');
}

test('the wizard builds nginx + Tomcat + PostgreSQL for a Java app, then edits and upgrades it', async ({ page }, info) => {
  test.setTimeout(600_000);
  const consoleErrors = watchConsole(page);
  const port = await freePort();
  await login(page, ADMIN.username, ADMIN.password);

  await test.step('step 1: pick components; the rules engine adds and explains Tomcat', async () => {
    await page.getByRole('link', { name: 'Wizard' }).first().click();
    await expect(page).toHaveURL(/\/wizard$/);
    await addComponent(page, 'java', 'Java web application');
    await addComponent(page, 'reverse proxy', 'nginx (reverse proxy)');
    await addComponent(page, 'postgres', 'PostgreSQL', '15.8.0');
    const feedback = page.getByTestId('rule-feedback');
    await expect(feedback.locator('[data-component="tomcat"]')).toBeVisible();
    await expect(feedback.locator('[data-component="tomcat"] [data-testid="added-because"]')).not.toBeEmpty();
    await expect(page.getByTestId('violation')).toHaveCount(0);
    await page.getByLabel('Search the catalog').fill('');
    await screen(page, info, 'wizard-01-gallery');
  });

  await test.step('step 2: configure; the proxy is published on a free port of 127.0.0.1', async () => {
    await page.getByTestId('wizard-next').click();
    const proxy = page.locator('[data-testid="configure-component"][data-component="nginx-proxy"]');
    await proxy.getByLabel(/Port published on the host/).fill(String(port));
    const tomcat = page.locator('[data-testid="configure-component"][data-component="tomcat"]');
    await expect(tomcat.getByLabel(/Manager password/).first()).toHaveAttribute('type', 'password');
    await tomcat.getByRole('button', { name: /Generate Manager password/ }).click();
    await screen(page, info, 'wizard-02-configure');
  });

  await test.step('step 3: review (compose, secrets hidden), create and apply right away', async () => {
    await page.getByTestId('wizard-next').click();
    await expect(page.locator('[data-testid="yaml-editor"] .cm-content')).toContainText('nginx:1.27');
    await expect(page.locator('[data-testid="wizard-variable"][data-secret="true"]').first()).toContainText('secret, hidden');
    await page.getByLabel(/Stack name/).fill(stack);
    await expect(page.getByTestId('wizard-apply-now')).toBeChecked();
    await screen(page, info, 'wizard-03-review');
    await expect(page.getByTestId('wizard-create')).toBeEnabled();
    await page.getByTestId('wizard-create').click();
    await waitCommandDone(page);
    await expectTomcatBehindNginx(page, port);
  });

  await test.step('change an answer with the wizard: preview, new version, diff, apply', async () => {
    await page.goto(`/stacks/${stack}`);
    await page.getByTestId('wizard-edit').click();
    await page.getByTestId('wizard-next').click();
    const proxy = page.locator('[data-testid="configure-component"][data-component="nginx-proxy"]');
    await proxy.getByLabel(/Largest request body/).fill('20m');
    await page.getByTestId('wizard-next').click();
    await expect(page.getByTestId('yaml-merge')).toBeVisible();
    await screen(page, info, 'wizard-04-edit-preview');
    await expect(page.getByTestId('rerender-create')).toBeEnabled();
    await page.getByTestId('rerender-create').click();
    await expect(page.getByTestId('rerender-result')).toContainText('Version 2 created');
    await expect(page.getByTestId('file-changes').or(page.getByTestId('structured-diff')).first()).toBeVisible();
    await screen(page, info, 'wizard-05-edit-diff');
    await page.getByTestId('rerender-apply').click();
    await page.getByTestId('confirm-plan').click();
    await waitCommandDone(page);
    await expectTomcatBehindNginx(page, port);
  });

  await test.step('upgrade a component version (PostgreSQL 15 → 16)', async () => {
    await page.goto(`/stacks/${stack}`);
    await expect(page.getByTestId('upgrade-available')).toBeVisible();
    await page.getByTestId('wizard-upgrade').click();
    await expect(page.getByTestId('upgrade').filter({ hasText: 'postgresql' })).toContainText('16.4.0');
    await expect(page.getByTestId('yaml-merge')).toBeVisible();
    await page.getByTestId('rerender-create').click();
    await expect(page.getByTestId('rerender-result')).toContainText('Version 3 created');
    await expect(page.getByTestId('structured-diff')).toContainText('postgres:16');
    await screen(page, info, 'wizard-06-upgrade');
  });

  consoleErrors.expectNone();
});
