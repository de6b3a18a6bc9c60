// Typed handles over the runtime's shared objects (docs/browser-api.md "Objects"). A handle
// is a thin view: values are read from the wasm core on every call, writes go through
// Fabric#write, and 'change' listeners are kept by the runtime per object name.

/** The value an object has before anything was written to it. */
export function emptyValue(kind) {
  switch (kind) {
    case 'counter': return 0;
    case 'map': return {};
    case 'text': return '';
    default: return [];
  }
}

class ObjectHandle {
  /** @param {object} runtime the Fabric's internal interface (see runtime.js `handleHost`) */
  constructor(runtime, name, kind) {
    this.name = name;
    this.kind = kind;
    this._runtime = runtime;
  }

  /** The current value (counter: number, set/list: string[], map: object, text: string). */
  value() {
    return this._runtime.value(this.name, this.kind);
  }

  /** `cb(value)` after every change (local write, remote delta or catch-up). Returns an unsubscribe function. */
  on(event, cb) {
    if (event !== 'change') throw new TypeError(`unknown object event "${event}" (only "change")`);
    return this._runtime.listen(this.name, cb);
  }

  off(event, cb) {
    if (event === 'change') this._runtime.unlisten(this.name, cb);
  }

  _write(action, fields) {
    return this._runtime.write(this.kind, action, this.name, fields);
  }
}

function whole(n, what) {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a whole number >= 0, got ${n}`);
  return n;
}

export class CounterHandle extends ObjectHandle {
  increment(amount = 1) {
    if (!Number.isSafeInteger(amount)) throw new RangeError(`amount must be a whole number, got ${amount}`);
    return this._write('increment', { amount });
  }
  decrement(amount = 1) {
    return this.increment(-amount);
  }
}

export class SetHandle extends ObjectHandle {
  add(value) {
    return this._write('add', { value: String(value) });
  }
  remove(value) {
    return this._write('remove', { value: String(value) });
  }
  values() {
    return this.value();
  }
  has(value) {
    return this.value().includes(String(value));
  }
}

export class MapHandle extends ObjectHandle {
  put(key, value) {
    return this._write('put', { key: String(key), value: String(value) });
  }
  set(key, value) {
    return this.put(key, value);
  }
  delete(key) {
    return this._write('delete', { key: String(key) });
  }
  get(key) {
    const entries = this.value();
    return Object.hasOwn(entries, key) ? entries[key] : undefined;
  }
  /** [key, value] pairs, sorted by key. */
  entries() {
    return Object.entries(this.value());
  }
}

export class ListHandle extends ObjectHandle {
  insert(index, value) {
    return this._write('insert', { index: whole(index, 'index'), value: String(value) });
  }
  push(value) {
    return this.insert(this.value().length, value);
  }
  erase(index, count = 1) {
    return this._write('erase', { index: whole(index, 'index'), count: whole(count, 'count') });
  }
  values() {
    return this.value();
  }
}

export class TextHandle extends ObjectHandle {
  /** Inserts `text` before code point `index`. */
  insert(index, text) {
    return this._write('insert', { index: whole(index, 'index'), value: String(text) });
  }
  /** Erases `count` code points from `index`. */
  erase(index, count = 1) {
    return this._write('erase', { index: whole(index, 'index'), count: whole(count, 'count') });
  }
}

export const HANDLE_CLASSES = {
  counter: CounterHandle,
  set: SetHandle,
  map: MapHandle,
  list: ListHandle,
  text: TextHandle,
};
