/**
 * Insertion-ordered memories with a size bound: a Map or Set keeps its
 * entries in insertion order, so the first one is the oldest and goes first
 * when the bound is reached. Re-remembering an entry makes it the newest.
 */

/** Sets `key` to `value` as the newest entry, dropping the oldest when `max` are held. */
export function setNewest<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) {
    const oldest = map.keys().next();
    if (oldest.done !== true) map.delete(oldest.value);
  }
  map.set(key, value);
}

/** Adds `value` as the newest entry, dropping the oldest when `max` are held. */
export function addNewest<T>(set: Set<T>, value: T, max: number): void {
  set.delete(value);
  if (set.size >= max) {
    const oldest = set.values().next();
    if (oldest.done !== true) set.delete(oldest.value);
  }
  set.add(value);
}
