// Issue 16 from the browser: upload a static site, deploy it into the nginx service of a
// stack, see it served through the port published on 127.0.0.1, deploy v2, then roll back
// to v1 from the history. Real server, real engine, the locally built nginx image.
import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, docker, freePort, login, removeStack, screen, uniqueName, watchConsole } from './support';

const IMAGE = 'coremon-test/nginx:latest';
const stack = uniqueName('e2e-deploy');
const work = mkdtempSync(join(tmpdir(), 'coremon-e2e-site-'));
// What tells the versions apart in the answers: unique to this run.
const marker = (version: string) => `coremon e2e ${stack} ${version}`;

/** A compose file whose nginx serves the "default" site from the deploy volume: the driver
 * swaps /srv/sites/default/current, nginx resolves its root through it on every request. */
function compose(port: number): string {
  const conf = 'server { listen 80 default_server; root /srv/sites/default/current; index index.html; }';
  return `services:
  web:
    image: ${IMAGE}
    pull_policy: never
    command: ["sh", "-c", "echo '${conf}' > /etc/nginx/conf.d/default.conf && exec nginx -g 'daemon off;'"]
    ports:
      - "127.0.0.1:${port}:80"
    volumes:
      - sites:/srv/sites
    x-coremon-deploy:
      kind: nginx
volumes:
  sites: {}
`;
}

interface Site {
  name: string;
  buffer: Buffer;
  sha256: string;
}

/** A .tar.gz of a one-page site, made with tar (entries relative, no "..", no links). */
function site(version: string): Site {
  const dir = join(work, version);
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'index.html'), `<!doctype html><title>${version}</title><h1>${marker(version)}</h1>\n`);
  const file = join(work, `site-${version}.tar.gz`);
  execFileSync('tar', ['-czf', file, '-C', dir, 'index.html']);
  const buffer = readFileSync(file);
  return { name: `site-${version}.tar.gz`, buffer, sha256: createHash('sha256').update(buffer).digest('hex') };
}

/** A .tar.gz whose entry climbs out of the site ("../"): refused at upload. */
function evilSite(): Site {
  const dir = join(work, 'evil');
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(work, 'outside.html'), 'outside\n');
  const file = join(work, 'site-evil.tar.gz');
  // -P keeps the "../" that tar would strip
  execFileSync('tar', ['-czPf', file, '-C', dir, '../outside.html']);
  const buffer = readFileSync(file);
  return { name: 'site-evil.tar.gz', buffer, sha256: createHash('sha256').update(buffer).digest('hex') };
}

async function served(page: Page, port: number): Promise<string> {
  try {
    const answer = await page.request.get(`http://127.0.0.1:${port}/`, { timeout: 5_000 });
    return `${answer.status()} ${await answer.text()}`;
  } catch (error) {
    return String(error);
  }
}

async function upload(page: Page, s: Site) {
  await page.getByLabel('Artifact file').setInputFiles({ name: s.name, mimeType: 'application/gzip', buffer: s.buffer });
  await expect(page.getByTestId('upload-done')).toContainText(s.name);
  await expect(page.getByTestId('upload-done')).toContainText(s.sha256.slice(0, 12));
}

/** The command the page just queued ends DONE (its log followed live on the page). */
async function commandDone(page: Page) {
  const panel = page.getByTestId('command-panel');
  await expect(panel.getByTestId('command-status')).toHaveAttribute('data-status', 'DONE', { timeout: 120_000 });
  await expect(panel.getByTestId('command-log-line').first()).toBeVisible();
}

test.describe.configure({ mode: 'serial' });
test.beforeAll(() => {
  // Built from Debian packages by scripts/build-middleware-images.sh (make test / make images).
  expect(docker('image', 'ls', '-q', IMAGE), `${IMAGE} must be built first (make images)`).not.toBe('');
});
test.afterAll(() => {
  removeStack(stack);
  rmSync(work, { recursive: true, force: true });
});

test('an operator uploads a site, deploys it, deploys v2, and rolls back to v1', async ({ page }, info) => {
  // the browser reports the refused upload's 422 as an error
  const consoleErrors = watchConsole(page, [/status of 422 \(Unprocessable (Entity|Content)\)/]);
  const port = await freePort();
  const v1 = site('v1');
  const v2 = site('v2');

  await test.step('a stack with an nginx deploy target, applied', async () => {
    await login(page, ADMIN.username, ADMIN.password);
    const csrf = (await page.context().cookies()).find((c) => c.name === 'coremon_csrf')?.value ?? '';
    const headers = { 'X-CSRF-Token': csrf };
    const created = await page.request.post('/api/v1/stacks', { data: { name: stack, compose: compose(port) }, headers });
    expect(created.status(), await created.text()).toBe(201);
    const applied = await page.request.post(`/api/v1/stacks/${stack}/apply/1`, { headers });
    expect(applied.status()).toBe(202);
    const { command_id } = (await applied.json()) as { command_id: string };
    await expect
      .poll(async () => ((await (await page.request.get(`/api/v1/commands/${command_id}`)).json()) as { status: string }).status, {
        timeout: 90_000,
      })
      .toBe('DONE');
  });

  await test.step('open the Deployments page and pick the stack', async () => {
    await page.getByRole('link', { name: 'Deployments' }).first().click();
    await expect(page).toHaveURL(/\/deploy$/);
    await page.getByLabel('Stack', { exact: true }).selectOption(stack);
    await expect(page).toHaveURL(new RegExp(`/deploy/${stack}$`));
    await expect(page.getByTestId('current-none-web')).toBeVisible();
  });

  await test.step('a site with an entry outside it is refused at upload, naming the field', async () => {
    const evil = evilSite();
    await page.getByLabel('Artifact file').setInputFiles({ name: evil.name, mimeType: 'application/gzip', buffer: evil.buffer });
    await expect(page.getByTestId('upload-error')).toContainText(`${evil.name} was refused`);
    await expect(page.getByTestId('upload-error-field').first()).toHaveAttribute('data-field', 'file');
    await expect(page.getByTestId('upload-error-field').first()).toContainText('..');
  });

  await test.step('upload v1 (progress, then stored) and deploy it', async () => {
    await upload(page, v1);
    const service = page.getByRole('combobox', { name: /^Service/ });
    await expect(service).toHaveValue('web');
    // the upload is chosen for the deploy
    await expect(page.getByRole('combobox', { name: /^Artifact/ })).toHaveValue(v1.sha256);
    await page.getByLabel('Comment', { exact: true }).fill('first site');
    await screen(page, info, 'deploy-01-form');
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await commandDone(page);
    await expect.poll(() => served(page, port), { timeout: 30_000 }).toContain(marker('v1'));
    await expect(page.getByTestId('current-web')).toContainText(v1.name);
  });

  await test.step('upload v2 and deploy it: v2 served, v1 superseded', async () => {
    await upload(page, v2);
    await expect(page.getByRole('combobox', { name: /^Artifact/ })).toHaveValue(v2.sha256);
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await commandDone(page);
    await expect.poll(() => served(page, port), { timeout: 30_000 }).toContain(marker('v2'));
    await expect(page.getByTestId('current-web')).toContainText(v2.name);
    const rows = page.getByTestId('target-web').getByTestId('deployment-row');
    await expect(rows.first()).toHaveAttribute('data-artifact', v2.name);
    await expect(rows.first()).toHaveAttribute('data-status', 'DEPLOYED');
    await expect(rows.nth(1)).toHaveAttribute('data-status', 'SUPERSEDED');
    await screen(page, info, 'deploy-02-history');
  });

  await test.step('redeploy v1 from the history, after a confirmation naming it', async () => {
    await page.getByRole('button', { name: `Redeploy ${v1.name} to default` }).click();
    const dialog = page.getByRole('dialog', { name: `Redeploy ${v1.name}?` });
    await expect(dialog.getByTestId('redeploy-summary')).toContainText(`web will serve ${v1.name}`);
    await expect(dialog.getByTestId('redeploy-summary')).toContainText(`replacing ${v2.name}`);
    await screen(page, info, 'deploy-03-confirm');
    await dialog.getByRole('button', { name: 'Redeploy', exact: true }).click();
    await commandDone(page);
    await expect.poll(() => served(page, port), { timeout: 30_000 }).toContain(marker('v1'));
    await expect(page.getByTestId('current-web')).toContainText(v1.name);
    const rows = page.getByTestId('target-web').getByTestId('deployment-row');
    await expect(rows).toHaveCount(3);
    await expect(rows.first()).toHaveAttribute('data-artifact', v1.name);
    await expect(rows.first()).toHaveAttribute('data-status', 'DEPLOYED');
  });

  await test.step("the stack's page shows what its nginx serves", async () => {
    await page.getByRole('link', { name: stack }).first().click();
    await expect(page).toHaveURL(new RegExp(`/stacks/${stack}$`));
    await expect(page.getByTestId('stack-deployments').getByTestId('current-web')).toContainText(v1.name);
  });
  consoleErrors.expectNone();
});
