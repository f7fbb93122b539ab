import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { UploadBox } from './UploadBox';
import { FakeXhr } from '../../test/fakeXhr';
import { renderWith, user } from '../../test/render';

const stored = {
  sha256: 'b'.repeat(64),
  kind: 'war',
  filename: 'shop.war',
  size: 4096,
  uploaded_by: 'a-operator',
  uploaded_at: '2026-01-01T00:00:00Z',
  in_use: false,
};

afterEach(() => {
  vi.unstubAllGlobals();
  FakeXhr.sent = [];
});

describe('UploadBox', { timeout: 30_000 }, () => {
  it('shows the progress of a picked file, then the stored artifact', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    const onUploaded = vi.fn();
    renderWith(<UploadBox onUploaded={onUploaded} />, { me: user('viewer', { s1: 'operator' }) });
    await userEvent.selectOptions(screen.getByLabelText('Kind'), 'war');
    await userEvent.upload(screen.getByLabelText('Artifact file'), new File(['x'.repeat(4096)], 'shop.war'));
    const xhr = FakeXhr.sent[0]!;
    expect(xhr.body!.get('kind')).toBe('war');
    act(() => xhr.progress(1024, 4096));
    const bar = await screen.findByRole('progressbar', { name: 'Upload progress' });
    expect(bar).toHaveAttribute('aria-valuenow', '25');
    expect(screen.getByText(/Sending shop\.war/)).toHaveTextContent('25%');
    act(() => xhr.respond(201, stored));
    expect(await screen.findByTestId('upload-done')).toHaveTextContent('shop.war');
    expect(screen.getByTestId('upload-done')).toHaveTextContent('bbbbbbbbbbbb');
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(onUploaded).toHaveBeenCalledWith(stored);
  });

  it('takes a dropped file, and shows the refusal with the field it names', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    renderWith(<UploadBox />, { me: user('operator') });
    const file = new File(['x'], 'evil.tar.gz');
    fireEvent.drop(screen.getByTestId('upload-drop'), { dataTransfer: { files: [file] } });
    await waitFor(() => expect(FakeXhr.sent).toHaveLength(1));
    act(() =>
      FakeXhr.sent[0]!.respond(422, {
        title: 'Invalid artifact',
        detail: 'unsafe entry',
        errors: [{ path: 'file', message: 'entry ../../etc/cron.d/x leaves the site' }],
      }),
    );
    const error = await screen.findByTestId('upload-error');
    expect(error).toHaveTextContent('evil.tar.gz was refused');
    const field = screen.getByTestId('upload-error-field');
    expect(field).toHaveAttribute('data-field', 'file');
    expect(field).toHaveTextContent('file: entry ../../etc/cron.d/x leaves the site');
  });

  it('says a too large file was refused (413)', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    renderWith(<UploadBox />, { me: user('admin') });
    await userEvent.upload(screen.getByLabelText('Artifact file'), new File(['x'], 'big.war'));
    act(() => FakeXhr.sent[0]!.respond(413, { title: 'Payload Too Large', detail: 'over 512 MiB' }));
    expect(await screen.findByTestId('upload-error')).toHaveTextContent('Payload Too Large: over 512 MiB');
  });

  it('is closed to a viewer', () => {
    renderWith(<UploadBox />, { me: user('viewer') });
    expect(screen.getByLabelText('Artifact file')).toBeDisabled();
    expect(screen.getByText('Needs the operator role')).toBeInTheDocument();
  });
});
