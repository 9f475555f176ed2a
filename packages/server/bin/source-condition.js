// Module resolution hook: resolve with the `source` export condition, as `node --conditions=source` does.
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, 'source'] });
}
