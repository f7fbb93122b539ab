import { describe, expect, it } from 'vitest';
import { act, renderHook } from '@testing-library/react';
import { isGone, markGone, unmarkGone, useGone } from './goneStacks';

describe('goneStacks', () => {
  it('marks, tells and gives back', () => {
    const { result } = renderHook(() => useGone('shop'));
    expect(result.current).toBe(false);
    act(() => markGone('shop'));
    expect(result.current).toBe(true);
    expect(isGone('shop')).toBe(true);
    expect(isGone('other')).toBe(false);
    act(() => unmarkGone('shop'));
    expect(result.current).toBe(false);
  });
});
