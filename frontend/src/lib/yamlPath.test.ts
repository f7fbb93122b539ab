import { describe, expect, it } from 'vitest';
import { locate, parsePath } from './yamlPath';

const TEXT = `services:
  web:
    image: coremon-test/busybox:latest
    ports:
      - "127.0.0.1:8080:80"
      - "99999:80"
    labels:
      com.example.tier: front
  db:
    image: x
    ports: ["1:2", "3:4"]
`;

describe('parsePath', () => {
  it('splits keys and indexes', () => {
    expect(parsePath('services.web.ports[1].published')).toEqual(['services', 'web', 'ports', 1, 'published']);
    expect(parsePath('services.web.ports[0]… host port')).toEqual(['services', 'web', 'ports', 0]);
  });
});

describe('locate', () => {
  it('finds a block sequence item on its own line', () => {
    const spot = locate(TEXT, 'services.web.ports[1]');
    expect(spot?.line).toBe(6);
    expect(spot?.exact).toBe(true);
    expect(TEXT.slice(spot!.from, spot!.to)).toBe('"99999:80"');
  });

  it('finds a map key', () => {
    expect(locate(TEXT, 'services.db.image')?.line).toBe(10);
    expect(locate(TEXT, 'services.db')?.line).toBe(9);
  });

  it('finds items of a flow sequence', () => {
    const spot = locate(TEXT, 'services.db.ports[1]');
    expect(spot?.line).toBe(11);
    expect(TEXT.slice(spot!.from, spot!.to)).toBe('"3:4"');
  });

  it('handles keys that contain dots', () => {
    expect(locate(TEXT, 'services.web.labels.com.example.tier')?.line).toBe(8);
  });

  it('falls back to the deepest part found', () => {
    const spot = locate(TEXT, 'services.web.healthcheck.test');
    expect(spot?.line).toBe(2);
    expect(spot?.exact).toBe(false);
  });

  it('points at a sub-field of a sequence item at the item', () => {
    expect(locate(TEXT, 'services.web.ports[0].published')?.line).toBe(5);
  });

  it('survives text that does not parse', () => {
    expect(locate('services: [', 'services.web')?.line).toBe(1);
  });
});
