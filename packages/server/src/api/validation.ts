/**
 * Request validation: JSON bodies are checked against their schema without coercion — a field documented as
 * Integer takes only a JSON integer, String only a string, and so on — while query strings, path parameters and
 * headers (text by nature) keep Ajv's string-to-number/boolean parsing — except that text Ajv parses to an infinite
 * number (`1e309`) is refused, which Ajv 8 lets through its number checks when it coerces. A `null` in an optional
 * body field counts as absent; a `null` anywhere else is the wrong type.
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

type BuildValidator = NonNullable<
  NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']
>;
type Schema = Record<string, unknown>;

/** Removes, in place, every `null` the schema allows to be absent (optional object properties), at any depth. */
export function dropOptionalNulls(schema: Schema | undefined, data: unknown): void {
  if (!schema || data === null || typeof data !== 'object') return;
  if (Array.isArray(data)) {
    const items = schema['items'] as Schema | undefined;
    if (items && !Array.isArray(items)) for (const item of data) dropOptionalNulls(items, item);
    return;
  }
  const properties = schema['properties'] as Record<string, Schema> | undefined;
  if (!properties) return;
  const required = new Set((schema['required'] as string[] | undefined) ?? []);
  const record = data as Record<string, unknown>;
  for (const [key, sub] of Object.entries(properties)) {
    if (!Object.hasOwn(record, key)) continue;
    if (record[key] === null && !required.has(key) && !allowsNull(sub)) delete record[key];
    else dropOptionalNulls(sub, record[key]);
  }
}

function allowsNull(schema: Schema): boolean {
  if (schema['type'] === 'null') return true;
  const alternatives = (schema['anyOf'] ?? schema['oneOf']) as Schema[] | undefined;
  return alternatives?.some(allowsNull) ?? false;
}

type Options = Parameters<BuildValidator>[1];
type Compile = ReturnType<BuildValidator>;

/** Fastify's `schemaController.compilersFactory.buildValidator`: a strict compiler for bodies, a coercing one for the rest. */
export function strictBodyValidators(): BuildValidator {
  const pool = AjvCompiler();
  return (externalSchemas, options) => {
    const custom = (options as { customOptions?: Record<string, unknown> } | undefined)?.customOptions ?? {};
    const withCoercion = (coerceTypes: 'array' | false) =>
      pool(externalSchemas, { ...options, customOptions: { ...custom, coerceTypes } } as Options);
    const textParts = withCoercion('array');
    const bodies = withCoercion(false);
    return (route) => {
      if (route.httpPart !== 'body') return finiteNumbersOnly(textParts(route));
      const validate = bodies(route);
      const schema = route.schema as Schema;
      const check = (data: unknown): boolean => {
        dropOptionalNulls(schema, data);
        const ok = validate(data) as boolean;
        check.errors = validate.errors;
        return ok;
      };
      check.errors = undefined as typeof validate.errors;
      return check as unknown as ReturnType<Compile>;
    };
  };
}

/**
 * A text part's validator that also refuses a value Ajv coerced to ±Infinity: Ajv 8 (coerceTypes) turns `1e309` into
 * Infinity and then lets it pass `integer` and `maximum`. Query strings, path parameters and headers are flat (or
 * arrays of values, with coerceTypes "array"), so their top level is where such a value can be.
 */
function finiteNumbersOnly(validate: ReturnType<Compile>): ReturnType<Compile> {
  const check = (data: unknown): boolean => {
    const ok = validate(data) as boolean;
    check.errors = validate.errors;
    if (!ok || data === null || typeof data !== 'object') return ok;
    for (const [key, value] of Object.entries(data)) {
      const values: unknown[] = Array.isArray(value) ? value : [value];
      if (values.some((v) => typeof v === 'number' && !Number.isFinite(v))) {
        check.errors = [
          {
            instancePath: `/${key}`,
            schemaPath: '#/type',
            keyword: 'type',
            params: {},
            message: 'must be a finite number',
          },
        ];
        return false;
      }
    }
    return true;
  };
  check.errors = undefined as typeof validate.errors;
  return check as unknown as ReturnType<Compile>;
}
