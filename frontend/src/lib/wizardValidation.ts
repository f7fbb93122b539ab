// The console's side of parameter validation: the component's own parameter JSON Schema, the
// same document the server checks with jsonschema (Draft 2020-12), checked here with
// @cfworker/json-schema — an interpreter: ajv compiles schemas with `new Function`, which the
// console's Content-Security-Policy (no 'unsafe-eval') forbids. A parity test runs shared
// fixtures through it (tests/fixtures/wizard/parity; the server runs the same files). The rjsf
// forms use it through rjsf's ajv8 validator, whose two checking methods are replaced (ajv
// itself then compiles nothing).
import { Validator as SchemaValidator, type OutputUnit } from '@cfworker/json-schema';
import { customizeValidator } from '@rjsf/validator-ajv8';
import type { JsonSchema } from '../api/wizard';

/** Errors that only say a sub-schema failed: the failing leaf is reported on its own. */
const WRAPPERS = new Set(['properties', 'allOf', 'if', 'then', 'else', 'items', 'prefixItems', '$ref', 'dependentSchemas', 'patternProperties']);

const compiled = new WeakMap<object, SchemaValidator>();

function validatorFor(schema: JsonSchema): SchemaValidator {
  let found = compiled.get(schema);
  if (!found) {
    found = new SchemaValidator(schema as never, '2020-12', false);
    compiled.set(schema, found);
  }
  return found;
}

function at(schema: unknown, pointer: string): unknown {
  return pointer
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), schema);
}

function message(unit: OutputUnit, rule: unknown, missing: string | undefined): string {
  switch (unit.keyword) {
    case 'required': return `must have required property '${missing ?? ''}'`;
    case 'minimum': return `must be >= ${String(rule)}`;
    case 'maximum': return `must be <= ${String(rule)}`;
    case 'exclusiveMinimum': return `must be > ${String(rule)}`;
    case 'exclusiveMaximum': return `must be < ${String(rule)}`;
    case 'minLength': return `must NOT have fewer than ${String(rule)} characters`;
    case 'maxLength': return `must NOT have more than ${String(rule)} characters`;
    case 'pattern': return `must match pattern "${String(rule)}"`;
    case 'enum': return 'must be equal to one of the allowed values';
    case 'const': return 'must be equal to constant';
    case 'type': return `must be ${Array.isArray(rule) ? rule.join(',') : String(rule)}`;
    default: return unit.error;
  }
}

/** ajv-shaped errors (what rjsf turns into field errors) for an instance. */
export function schemaErrors(schema: JsonSchema, instance: unknown) {
  const result = validatorFor(schema).validate(instance);
  if (result.valid) return [];
  const leaves = result.errors.filter((e) => !WRAPPERS.has(e.keyword));
  return (leaves.length ? leaves : result.errors).map((unit) => {
    const missing = unit.keyword === 'required' ? /property "([^"]*)"/.exec(unit.error)?.[1] : undefined;
    const rule = at(schema, unit.keywordLocation);
    return {
      instancePath: unit.instanceLocation.replace(/^#/, ''),
      schemaPath: unit.keywordLocation,
      keyword: unit.keyword,
      params: missing === undefined ? {} : { missingProperty: missing },
      message: message(unit, rule, missing),
    };
  });
}

/** Unknown keywords (`secret`, `generate`) are ignored, as jsonschema does. */
const base = customizeValidator({ ajvOptionsOverrides: { strict: false } });
export const wizardValidator = Object.assign(base, {
  rawValidation: (schema: JsonSchema, formData?: unknown) => ({ errors: schemaErrors(schema, formData) as never[] }),
  isValid: (schema: JsonSchema, formData: unknown, rootSchema: JsonSchema) =>
    validatorFor({ ...pickDefinitions(rootSchema), ...schema }).validate(formData).valid,
});

function pickDefinitions(root: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  if (root && root.$defs) out.$defs = root.$defs;
  if (root && root.definitions) out.definitions = root.definitions;
  return out;
}

export interface ParamError {
  /** the parameter's path inside the component's answers, e.g. "port" or "" for the object */
  path: string;
  message: string;
}

/** The errors of one component's answers against its parameter schema ([] when valid). */
export function validateParams(schema: JsonSchema, answers: unknown): ParamError[] {
  const { errors } = wizardValidator.validateFormData(answers, schema);
  return errors.map((e) => ({
    path: (e.property ?? '').replace(/^\./, ''),
    message: e.message ?? 'invalid',
  }));
}

interface PropertySchema {
  secret?: boolean;
  default?: unknown;
  minLength?: number;
  maxLength?: number;
}

function properties(schema: JsonSchema): Record<string, PropertySchema> {
  const props = schema.properties;
  return props && typeof props === 'object' ? (props as Record<string, PropertySchema>) : {};
}

/** The parameters marked `secret: true` (password inputs; masked in every answer). */
export function secretParams(schema: JsonSchema): string[] {
  return Object.entries(properties(schema))
    .filter(([, p]) => p.secret === true)
    .map(([name]) => name);
}

/** The form's view of a schema: a secret left empty is generated by the server, so the
 * form does not ask for it (the server still validates the value it ends up with). */
export function formSchema(schema: JsonSchema): JsonSchema {
  const secrets = new Set(secretParams(schema));
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : null;
  if (!required || secrets.size === 0) return schema;
  return { ...schema, required: required.filter((name) => !secrets.has(name)) };
}

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A random password within the parameter's length bounds (letters and digits only, so it
 * needs no quoting in a compose file or a shell). */
export function generateSecret(schema: PropertySchema = {}): string {
  const length = Math.min(Math.max(24, schema.minLength ?? 0), schema.maxLength ?? 64);
  const bytes = new Uint32Array(length);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** The answers that differ from the recorded ones: what a re-render must be told. A masked
 * secret that was not touched is not sent (the server keeps the recorded value). */
export function changedAnswers(recorded: Record<string, unknown>, edited: Record<string, unknown>): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(edited)) {
    if (value === undefined) continue;
    if (JSON.stringify(recorded[name]) !== JSON.stringify(value)) changed[name] = value;
  }
  return changed;
}
