import { describe, expect, it } from 'vitest';
import { tabOf } from './StackPage';

describe("a stack page's tab", () => {
  it.each([
    ['', 'services'],
    ['versions', 'versions'],
    ['versions/3', 'versions'],
    ['versions/3/edit', 'versions'],
    ['compare', 'versions'],
    ['logs', 'logs'],
    ['logs/shop-web-1', 'logs'],
    ['commands', 'commands'],
  ])('%s is under %s', (rest, tab) => {
    expect(tabOf(rest)).toBe(tab);
  });
});
