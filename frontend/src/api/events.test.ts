import { describe, expect, it } from 'vitest';
import { deletedStack, keysFor, type HubEvent } from './events';

const event = (over: Partial<HubEvent>): HubEvent => ({
  id: 1,
  kind: 'container',
  action: 'die',
  time: 0,
  stack: 'shop',
  stack_id: 's1',
  ...over,
});

describe('keysFor', () => {
  it('refreshes the stack status on a container event', () => {
    expect(keysFor(event({}))).toEqual([['status'], ['stack', 'shop', 'status'], ['host']]);
  });

  it('refreshes queue, commands, the stack and the command on a command event', () => {
    const keys = keysFor(event({ kind: 'command', action: 'finished', command_id: 'c9' }));
    expect(keys).toContainEqual(['queue']);
    expect(keys).toContainEqual(['commands']);
    expect(keys).toContainEqual(['stack', 'shop']);
    expect(keys).toContainEqual(['command', 'c9']);
  });

  it('refreshes every stack when the engine comes and goes', () => {
    expect(keysFor(event({ kind: 'engine', action: 'connected', stack: null }))).toContainEqual(['stack']);
  });
});

describe('a deleted stack', () => {
  it('is not asked about again once its DELETE is done', () => {
    const done = event({ kind: 'command', action: 'finished', type: 'DELETE', status: 'DONE', command_id: 'c1' });
    expect(deletedStack(done)).toBe('shop');
    expect(keysFor(done)).not.toContainEqual(['stack', 'shop']);
    expect(keysFor(done)).toContainEqual(['stacks']);
  });

  it('is still there when the DELETE failed', () => {
    const failed = event({ kind: 'command', action: 'finished', type: 'DELETE', status: 'FAILED' });
    expect(deletedStack(failed)).toBeNull();
    expect(keysFor(failed)).toContainEqual(['stack', 'shop']);
  });
});
