import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, portUrl, timeAgo } from './format';

describe('format', () => {
  it('formats bytes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50 MiB');
    expect(formatBytes(null)).toBe('—');
  });

  it('formats durations', () => {
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(125)).toBe('2m 5s');
    expect(formatDuration(3 * 3600 + 60)).toBe('3h 1m');
    expect(formatDuration(3 * 86400)).toBe('3d 0h');
  });

  it('says how long ago', () => {
    const now = Date.parse('2026-01-01T00:10:00Z');
    expect(timeAgo('2026-01-01T00:09:58Z', now)).toBe('just now');
    expect(timeAgo('2026-01-01T00:05:00Z', now)).toBe('5m ago');
  });

  it('makes port links', () => {
    expect(portUrl({ host_ip: '127.0.0.1', host_port: 8081, protocol: 'tcp' }, 'x')).toBe('http://127.0.0.1:8081/');
    expect(portUrl({ host_ip: '0.0.0.0', host_port: 80, protocol: 'tcp' }, 'box')).toBe('http://box:80/');
    expect(portUrl({ host_ip: '::1', host_port: 80, protocol: 'tcp' }, 'box')).toBe('http://[::1]:80/');
    expect(portUrl({ host_ip: null, host_port: 53, protocol: 'udp' }, 'box')).toBeNull();
  });
});
