import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './client';
import { defaultPath, deploy, redeploy, uploadArtifact } from './deploys';
import { FakeXhr } from '../test/fakeXhr';
import { stubFetch } from '../test/render';

const artifact = {
  sha256: 'a'.repeat(64),
  kind: 'static',
  filename: 'site.tar.gz',
  size: 2048,
  uploaded_by: 'olga',
  uploaded_at: '2026-01-01T00:00:00Z',
  in_use: false,
};

afterEach(() => {
  vi.unstubAllGlobals();
  FakeXhr.sent = [];
  document.cookie = 'coremon_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
});

describe('uploadArtifact', () => {
  it('sends the file as multipart with its kind and the CSRF header, and reports progress', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    document.cookie = 'coremon_csrf=tok123';
    const progress: number[] = [];
    const file = new File(['x'.repeat(2048)], 'site.tar.gz');
    const done = uploadArtifact(file, { kind: 'static', onProgress: (f) => progress.push(f) });
    const xhr = FakeXhr.sent[0]!;
    expect(xhr.method).toBe('POST');
    expect(xhr.url).toBe('/api/v1/artifacts');
    expect(xhr.headers['X-CSRF-Token']).toBe('tok123');
    expect((xhr.body!.get('file') as File).name).toBe('site.tar.gz');
    expect(xhr.body!.get('kind')).toBe('static');
    xhr.progress(512, 2048);
    xhr.progress(2048, 2048);
    xhr.respond(201, artifact);
    await expect(done).resolves.toEqual({ artifact, created: true });
    expect(progress).toEqual([0.25, 1, 1]);
  });

  it('says when the content was stored already (200), and leaves the kind to the server', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    const done = uploadArtifact(new File(['x'], 'site.tar.gz'));
    expect(FakeXhr.sent[0]!.body!.has('kind')).toBe(false);
    FakeXhr.sent[0]!.respond(200, artifact);
    await expect(done).resolves.toMatchObject({ created: false });
  });

  it("rejects with the server's problem and its fields", async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    const done = uploadArtifact(new File(['x'], 'evil.tar.gz'));
    FakeXhr.sent[0]!.respond(422, {
      title: 'Invalid artifact',
      detail: 'entry ../etc/passwd leaves the site',
      errors: [{ path: 'file', message: 'entry ../etc/passwd leaves the site' }],
    });
    const error = await done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(422);
    expect((error as ApiError).errors).toEqual([{ path: 'file', message: 'entry ../etc/passwd leaves the site' }]);
  });

  it('rejects a cancelled upload', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    const controller = new AbortController();
    const done = uploadArtifact(new File(['x'], 'a.war'), { signal: controller.signal });
    controller.abort();
    await expect(done).rejects.toThrow('cancelled');
    expect(FakeXhr.sent[0]!.aborted).toBe(true);
  });
});

describe('deploy calls', () => {
  it('POST the contract bodies with the idempotency key', async () => {
    const accepted = { command_id: 'c1', seq: 4, status: 'PENDING', location: '/api/v1/commands/c1' };
    const { fetchStub, calls } = stubFetch({
      'POST /api/v1/stacks/shop/deploy': accepted,
      'POST /api/v1/stacks/shop/deployments/d1/redeploy': accepted,
    });
    vi.stubGlobal('fetch', fetchStub);
    await expect(deploy('shop', { service: 'web', artifact: 'abc', path: null, comment: 'v1' }, 'k1')).resolves.toEqual(accepted);
    await redeploy('shop', 'd1', { comment: null }, 'k2');
    expect(JSON.parse(calls[0]!.body!)).toEqual({ service: 'web', artifact: 'abc', path: null, comment: 'v1' });
    expect(calls[0]!.headers.get('Idempotency-Key')).toBe('k1');
    expect(calls[1]!.path).toBe('/api/v1/stacks/shop/deployments/d1/redeploy');
    expect(calls[1]!.headers.get('Idempotency-Key')).toBe('k2');
  });
});

describe('defaultPath', () => {
  it("follows the server's defaults", () => {
    expect(defaultPath({ kind: 'static', filename: 'site.tar.gz' })).toBe('default');
    expect(defaultPath({ kind: 'war', filename: 'shop.war' })).toBe('/shop');
    expect(defaultPath({ kind: 'war', filename: 'ROOT.war' })).toBe('/');
    expect(defaultPath({ kind: 'ear', filename: 'erp.EAR' })).toBe('/erp');
  });
});
