// Parity: the console's validator gives the same verdict as the server's jsonschema on every
// shared fixture (tests/fixtures/wizard/parity/*.json, in the JSON Schema Test Suite's shape:
// groups of {description, schema, tests: [{description, data, valid}]}; the backend runs the
// same files).
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changedAnswers, formSchema, generateSecret, secretParams, validateParams } from './wizardValidation';

interface Group {
  description: string;
  schema: Record<string, unknown>;
  tests: { description: string; data: unknown; valid: boolean }[];
}

// vitest runs in frontend/ (jsdom's import.meta.url is not a file URL)
const dir = resolve(process.cwd(), '../tests/fixtures/wizard/parity');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

describe('parameter validation parity with the server', () => {
  it('has fixtures to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  const groups = files.flatMap((file) =>
    (JSON.parse(readFileSync(join(dir, file), 'utf8')) as Group[]).map((g) => ({ ...g, file })),
  );
  describe.each(groups)('$file: $description', (group) => {
    it.each(group.tests)('$description: valid=$valid', ({ data, valid }) => {
      const errors = validateParams(group.schema, data);
      expect(errors.length === 0, JSON.stringify({ data, errors })).toBe(valid);
    });
  });
});

describe('secrets', () => {
  const schema = {
    type: 'object',
    required: ['user', 'password'],
    properties: { user: { type: 'string' }, password: { type: 'string', secret: true, minLength: 30, maxLength: 40 } },
  };

  it('finds the secret parameters', () => {
    expect(secretParams(schema)).toEqual(['password']);
  });

  it('does not ask for a secret the server generates', () => {
    expect(formSchema(schema).required).toEqual(['user']);
    expect(schema.required).toEqual(['user', 'password']);
  });

  it('generates a password within the bounds that passes the schema', () => {
    const password = generateSecret(schema.properties.password);
    expect(password).toMatch(/^[A-Za-z0-9]{30}$/);
    expect(validateParams(schema, { user: 'u', password })).toEqual([]);
    expect(generateSecret()).not.toEqual(generateSecret());
  });
});

describe('changedAnswers', () => {
  it('keeps only what differs from the recorded answers', () => {
    expect(changedAnswers({ a: 1, b: 'x', c: true }, { a: 1, b: 'y', c: true, d: 3 })).toEqual({ b: 'y', d: 3 });
  });
});
