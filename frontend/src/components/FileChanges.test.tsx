import { describe, expect, it } from 'vitest';
import { screen } from '@testing-library/react';
import { FileChanges } from './FileChanges';
import { renderWith } from '../test/render';

describe('FileChanges', () => {
  it('lists each file the versions differ by, with how', () => {
    renderWith(
      <FileChanges
        files={[
          { path: 'conf/site.conf', change: 'changed' },
          { path: 'secrets/pw.txt', change: 'added' },
          { path: 'old.env', change: 'removed' },
        ]}
      />,
    );
    const rows = screen.getAllByTestId('file-change').map((r) => r.textContent);
    expect(rows).toEqual(['conf/site.confchanged', 'secrets/pw.txtadded', 'old.envremoved']);
  });

  it('says when the files are the same', () => {
    renderWith(<FileChanges files={[]} />);
    expect(screen.getByTestId('file-changes')).toHaveTextContent('The same files');
  });
});
