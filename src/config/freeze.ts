/**
 * Deep freeze for the validated config. `Object.freeze` does not stop `Map#set`, so a Map also
 * gets its mutators replaced by ones that throw, the same TypeError a frozen object gives in
 * strict mode.
 */

function refuse(): never {
  throw new TypeError('the configuration is frozen');
}

export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  if (value instanceof Map) {
    for (const [key, entry] of value) {
      deepFreeze(key);
      deepFreeze(entry);
    }
    for (const method of ['set', 'delete', 'clear'] as const) {
      Object.defineProperty(value, method, { value: refuse, enumerable: false });
    }
  } else {
    for (const key of Reflect.ownKeys(value)) {
      deepFreeze((value as Record<PropertyKey, unknown>)[key]);
    }
  }
  return Object.freeze(value);
}
