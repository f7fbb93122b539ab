import { describe, expect, it } from 'vitest';
import { STARTER } from './NewStackPage';

describe('NewStackPage', () => {
  it('starts from the image `make run` makes sure the engine has', () => {
    expect(STARTER).toContain('image: coremon/demo-web:1');
    expect(STARTER).toContain('127.0.0.1:8081:8080');
  });
});
