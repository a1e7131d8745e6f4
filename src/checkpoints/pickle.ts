// A restricted reader for Python's pickle format (protocols 0-5), enough for what `torch.save`
// writes. A pickle is a program for a small stack machine; the dangerous part is that it can
// name any Python callable (GLOBAL/STACK_GLOBAL) and call it (REDUCE/NEWOBJ/BUILD). Here
// nothing is ever looked up dynamically: every global must be in the caller's allow-list,
// which maps it to a plain JavaScript function written in advance, and any other global is
// rejected the moment the opcode that names it is read, before anything is built with it.
//
// Python values become: None → null, bool → boolean, int → number (bigint past 2^53),
// float → number, str → string, bytes → Uint8Array, list/tuple → array, dict → Map,
// set/frozenset → Set.
//
// The reader's own work is linear in the file: every opcode costs O(1) or O(bytes it reads)
// (APPENDS moves values that earlier opcodes pushed), with three exceptions bounded here: dict
// keys that are tuples (a DAG of shared tuples, built with DUP or memo references, can stand
// for 2^44 leaves in a few hundred bytes: a "billion laughs"), text integers (Python's own
// 4300-digit limit) and LONG4 byte strings (converted in one step, not bit by bit).

/** A reference to a Python global that the allow-list accepted. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string, readonly call?: (args: unknown[]) => unknown) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** The pickle names a global outside the allow-list: never loaded, nothing is executed. */
export class UnsafePickleError extends Error {
  constructor(readonly file: string, readonly global: string, hint = '') {
    super(`${file}: refusing to unpickle: it references the Python global '${global}', which is not a tensor, ` +
      `a storage or a plain container. finetune's checkpoint reader only rebuilds tensors and dicts, and ` +
      `never runs code from a checkpoint${hint}. If you trust the file, convert it to safetensors in Python.`);
    this.name = 'UnsafePickleError';
  }
}

/** A short, bounded rendering of an unpickled value for error messages (values may nest 200k deep or be huge). */
export function preview(v: unknown, depth = 0): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === null) return 'None';
  if (typeof v !== 'object') return String(v);
  if (v instanceof PyGlobal) return v.qualifiedName;
  if (v instanceof Uint8Array) return `bytes(${v.length})`;
  if (depth >= 3) return Array.isArray(v) ? '(…)' : '{…}';
  const more = (n: number): string => (n > 5 ? ', …' : '');
  if (Array.isArray(v)) return `(${v.slice(0, 5).map((x) => preview(x, depth + 1)).join(', ')}${more(v.length)})`;
  if (v instanceof Map) return `{${[...v.entries()].slice(0, 5).map(([k, x]) => `${preview(k, depth + 1)}: ${preview(x, depth + 1)}`).join(', ')}${more(v.size)}}`;
  if (v instanceof Set) return `{${[...v].slice(0, 5).map((x) => preview(x, depth + 1)).join(', ')}${more(v.size)}}`;
  return Object.prototype.toString.call(v);
}

export class PickleError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'PickleError';
  }
}

export interface UnpickleOptions {
  /** Names the file in errors. */
  file: string;
  /** Returns the allowed global, or undefined to reject it. */
  findGlobal(module: string, name: string): PyGlobal | undefined;
  /** Handles PERSID/BINPERSID (torch uses it for storages). */
  persistentLoad?(pid: unknown): unknown;
  /** BUILD (`obj.__setstate__(state)`) on a value: return the updated value or throw. */
  build?(obj: unknown, state: unknown): unknown;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

// Python's sys.int_info.default_max_str_digits: longer text integers are refused there too.
const MAX_INT_DIGITS = 4300;
// A tuple used as a dict key is spelled out as a string (JS Maps compare by identity); one
// that would spell out to more than this many leaves is a hostile file, not a checkpoint.
const MAX_KEY_LEAVES = 4096;
const MAX_KEY_DEPTH = 64;

/** How many leaves `key` expands to, counting shared sub-tuples once per use; fails past `MAX_KEY_LEAVES`. */
function keyLeaves(key: unknown[], fail: (message: string) => never): number {
  const counted = new Map<unknown[], number>();
  const count = (node: unknown[], depth: number): number => {
    const known = counted.get(node);
    if (known !== undefined) return known;
    if (depth > MAX_KEY_DEPTH) fail(`a dict key nests tuples deeper than ${MAX_KEY_DEPTH} levels`);
    counted.set(node, Infinity); // a list that contains itself is never finite
    let n = 0;
    for (const child of node) {
      n += Array.isArray(child) ? count(child, depth + 1) : 1;
      if (n > MAX_KEY_LEAVES) fail(`a dict key is a tuple of more than ${MAX_KEY_LEAVES} values (a "billion laughs" pickle?)`);
    }
    counted.set(node, n);
    return n;
  };
  return count(key, 0);
}

/** A little-endian two's-complement integer, in one conversion (bit-by-bit is quadratic). */
function signedLE(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  const v = BigInt(`0x${Buffer.from(b).reverse().toString('hex')}`);
  return b[b.length - 1] & 0x80 ? v - (1n << BigInt(8 * b.length)) : v;
}

/** Reads one pickle from `bytes` at `start`; returns the value and where the pickle ended. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions, start = 0): { value: unknown; end: number } {
  const { file } = options;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = start;
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const fail = (message: string): never => {
    throw new PickleError(file, `corrupt pickle at byte ${pos}: ${message}`);
  };
  const need = (n: number): number => {
    if (n < 0 || pos + n > bytes.length) fail(`needs ${n} more bytes but the data ends at ${bytes.length} (truncated file?)`);
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = (): number => bytes[need(1)];
  const u16 = (): number => view.getUint16(need(2), true);
  const u32 = (): number => view.getUint32(need(4), true);
  const u64 = (): number => {
    const v = view.getBigUint64(need(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is too large`);
    return Number(v);
  };
  const raw = (n: number): Uint8Array => bytes.subarray(need(n), pos);
  const text = (n: number): string => {
    const data = raw(n);
    try {
      return decoder.decode(data);
    } catch {
      return fail('a string is not valid UTF-8');
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('unterminated text line');
    const s = Buffer.from(bytes.subarray(pos, end)).toString('latin1');
    pos = end + 1;
    return s;
  };
  // Arguments are evaluated before the body: `push(popMark())` pushes onto the restored stack.
  const push = (v: unknown): void => { stack.push(v); };
  const pop = (): unknown => (stack.length === 0 ? fail('stack underflow') : stack.pop());
  const top = (): unknown => (stack.length === 0 ? fail('stack underflow') : stack[stack.length - 1]);
  const popMark = (): unknown[] => {
    const items = stack;
    if (marks.length === 0) fail('no MARK on the stack');
    stack = marks.pop() as unknown[];
    return items;
  };
  const global = (module: string, name: string): PyGlobal => {
    const found = options.findGlobal(module, name);
    if (!found) {
      const hint = module.startsWith('__torch__') ? ' (this looks like a TorchScript archive from torch.jit.save, not a state dict)' : '';
      throw new UnsafePickleError(file, `${module}.${name}`, hint);
    }
    return found;
  };
  const call = (callable: unknown, args: unknown): unknown => {
    if (!(callable instanceof PyGlobal) || !callable.call) {
      return fail(`cannot call ${callable instanceof PyGlobal ? `'${callable.qualifiedName}'` : 'a non-callable value'}`);
    }
    if (!Array.isArray(args)) return fail(`arguments of '${callable.qualifiedName}' are not a tuple`);
    return callable.call(args);
  };
  const setItems = (dict: unknown, items: unknown[]): void => {
    if (!(dict instanceof Map)) fail('SETITEM on a value that is not a dict');
    if (items.length % 2 !== 0) fail('odd number of items for a dict');
    for (let i = 0; i < items.length; i += 2) (dict as Map<unknown, unknown>).set(key(items[i]), items[i + 1]);
  };
  // Python compares dict keys by value; JS Maps by identity. Keys in checkpoints are strings and
  // ints, but tuples (arrays) would silently not match, so they are turned into strings.
  const key = (k: unknown): unknown => {
    if (!Array.isArray(k)) return k;
    keyLeaves(k, fail);
    return JSON.stringify(k, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
  };
  const int = (v: bigint): number | bigint => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
  const longLE = (b: Uint8Array): number | bigint => int(signedLE(b));
  const textInt = (s: string, op: string): number | bigint => {
    if (!/^[+-]?\d+$/.test(s)) fail(`bad ${op} '${s.slice(0, 40)}'`);
    if (s.length > MAX_INT_DIGITS) fail(`${op} has ${s.length} digits, more than Python's limit of ${MAX_INT_DIGITS}`);
    return int(BigInt(s));
  };
  const memoGet = (i: number): unknown => (memo.has(i) ? memo.get(i) : fail(`memo entry ${i} is missing`));

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME: a length hint only
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length !== 0) fail(`STOP with ${stack.length} values on the stack`);
        return { value: stack[0], end: pos };
      case 0x28: marks.push(stack); stack = []; break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top()); break; // DUP
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4a: push(view.getInt32(need(4), true)); break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x8a: push(longLE(raw(u8()))); break; // LONG1
      case 0x8b: push(longLE(raw(u32()))); break; // LONG4
      case 0x49: { // INT (text); protocol 0 writes booleans as I01/I00
        const s = line();
        push(s === '01' ? true : s === '00' ? false : textInt(s, 'INT'));
        break;
      }
      case 0x4c: { // LONG (text)
        push(textInt(line().replace(/L$/, ''), 'LONG'));
        break;
      }
      case 0x47: push(view.getFloat64(need(8), false)); break; // BINFLOAT (big-endian)
      case 0x46: { // FLOAT (text, Python's repr)
        const s = line();
        const special: Record<string, number> = { inf: Infinity, '-inf': -Infinity, nan: NaN };
        const v = s in special ? special[s] : Number(s);
        push(Number.isNaN(v) && s !== 'nan' ? fail(`bad FLOAT '${s}'`) : v);
        break;
      }
      case 0x58: push(text(u32())); break; // BINUNICODE
      case 0x8c: push(text(u8())); break; // SHORT_BINUNICODE
      case 0x8d: push(text(u64())); break; // BINUNICODE8
      case 0x56: push(line().replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, h, H) => String.fromCodePoint(parseInt(h ?? H, 16)))); break; // UNICODE
      // Python 2 str: torch.load decodes them with encoding='utf-8', so do we.
      case 0x54: push(text(view.getInt32(need(4), true))); break; // BINSTRING
      case 0x55: push(text(u8())); break; // SHORT_BINSTRING
      case 0x53: { // STRING (quoted repr)
        const s = line();
        push(/^(['"]).*\1$/s.test(s) ? s.slice(1, -1) : fail(`bad STRING ${s}`));
        break;
      }
      case 0x42: push(raw(u32()).slice()); break; // BINBYTES
      case 0x43: push(raw(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: case 0x96: push(raw(u64()).slice()); break; // BINBYTES8, BYTEARRAY8
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x29: push([]); break; // EMPTY_TUPLE
      case 0x7d: push(new Map()); break; // EMPTY_DICT
      case 0x8f: push(new Set()); break; // EMPTY_SET
      case 0x6c: case 0x74: push(popMark()); break; // LIST, TUPLE
      case 0x85: push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(); push([pop(), b]); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); push([pop(), b, c]); break; } // TUPLE3
      case 0x61: { const v = pop(); const list = top(); if (!Array.isArray(list)) fail('APPEND to a non-list'); (list as unknown[]).push(v); break; }
      case 0x65: { const items = popMark(); const list = top(); if (!Array.isArray(list)) fail('APPENDS to a non-list'); for (const item of items) (list as unknown[]).push(item); break; }
      case 0x64: { const d = new Map(); setItems(d, popMark()); push(d); break; } // DICT
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x90: { const items = popMark(); const s = top(); if (!(s instanceof Set)) fail('ADDITEMS to a non-set'); for (const i of items) (s as Set<unknown>).add(i); break; }
      case 0x91: push(new Set(popMark())); break; // FROZENSET
      case 0x63: { const module = line(); const name = line(); push(global(module, name)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        push(global(module as string, name as string));
        break;
      }
      case 0x52: { const args = pop(); push(call(pop(), args)); break; } // REDUCE
      case 0x81: { const args = pop(); push(call(pop(), args)); break; } // NEWOBJ: cls.__new__(cls, *args)
      case 0x92: { // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        if (!(kwargs instanceof Map) || kwargs.size > 0) fail('keyword arguments to a constructor are not supported');
        push(call(pop(), args));
        break;
      }
      case 0x69: { const module = line(); const name = line(); push(call(global(module, name), popMark())); break; } // INST
      case 0x6f: { const items = popMark(); const cls = items.shift(); push(call(cls, items)); break; } // OBJ
      case 0x62: { // BUILD
        const state = pop();
        const obj = pop();
        if (!options.build) fail('BUILD (__setstate__) is not supported here');
        push(options.build!(obj, state));
        break;
      }
      case 0x50: push(persistent(line())); break; // PERSID
      case 0x51: push(persistent(pop())); break; // BINPERSID
      case 0x70: memo.set(Number(line()), top()); break; // PUT
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x67: push(memoGet(Number(line()))); break; // GET
      case 0x68: push(memoGet(u8())); break; // BINGET
      case 0x6a: push(memoGet(u32())); break; // LONG_BINGET
      case 0x82: case 0x83: case 0x84: // EXT1/2/4 name globals through the copyreg registry
        throw new UnsafePickleError(file, `copyreg extension code (opcode 0x${op.toString(16)})`);
      case 0x97: case 0x98: fail('out-of-band buffers (pickle protocol 5) are not supported'); break;
      default: fail(`unknown opcode 0x${op.toString(16)} (not a pickle, or a corrupt one)`);
    }
  }

  function persistent(pid: unknown): unknown {
    if (!options.persistentLoad) return fail('persistent ids are not expected here');
    return options.persistentLoad!(pid);
  }
}
