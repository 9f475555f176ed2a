/** Maps of maps (per meeting, per enterprise …): the inner map of a key is created on first use and dropped once empty. */

/** The inner map of `key`, created when absent. */
export function innerMap<K, IK, V>(outer: Map<K, Map<IK, V>>, key: K): Map<IK, V> {
  let inner = outer.get(key);
  if (!inner) outer.set(key, (inner = new Map()));
  return inner;
}

/** Deletes `innerKey` under `key`, and `key` itself when nothing is left under it. */
export function deleteInner<K, IK, V>(outer: Map<K, Map<IK, V>>, key: K, innerKey: IK): void {
  const inner = outer.get(key);
  if (!inner) return;
  inner.delete(innerKey);
  if (inner.size === 0) outer.delete(key);
}
