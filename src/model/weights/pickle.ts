/**
 * A minimal unpickler: a data interpreter for the part of the pickle format (protocols 2 to 4)
 * that a dict of numpy arrays uses, nothing more. Opcodes and their arguments are those of
 * CPython's Lib/pickletools.py (https://github.com/python/cpython/blob/main/Lib/pickletools.py);
 * the stack, mark and memo semantics follow Lib/pickle.py `_Unpickler`.
 *
 * Python's unpickler imports whatever global a pickle names and calls it, which is how a pickle
 * runs code (https://docs.python.org/3/library/pickle.html, the warning at the top). Here a
 * global can only be one of the entries the caller passes, or _codecs.encode under the one use
 * protocol 2 makes of it (below); any other is refused as soon as its opcode is read, before
 * anything is done with it. Tuples become frozen arrays, dicts Maps.
 *
 * Protocols 0 and 1 (no PROTO opcode; text opcodes such as INT, DICT, PUT) and 5 are refused.
 *
 * A hostile pickle costs little work and memory whatever its length: nothing walks a value
 * recursively; the values handled, the marks and the memo are capped far above what a weights
 * pickle uses; and what REDUCE and BUILD do in proportion to a value's size is charged to a
 * budget (PickleWork), so that the memo, which names a large value again for a few bytes,
 * cannot multiply that work.
 */
import { InvalidWeightsError } from './errors.js';
import { clip, thousands } from '../../one-line.js';

/** A global the caller allows, and what REDUCE does with it. */
export interface PickleGlobal {
  /** "module.qualname", as GLOBAL / STACK_GLOBAL name it */
  readonly name: string;
  /** REDUCE: make the object from the argument tuple (never run anything) */
  reduce(args: readonly unknown[], work: PickleWork): unknown;
}

/** An object made by REDUCE that BUILD completes with its state (Python's __setstate__). */
export interface PickleBuildable {
  build(state: unknown, work: PickleWork): void;
}

/** REDUCE and BUILD charge here each unit of work they do per element or byte of a value. */
export interface PickleWork {
  charge(units: number): void;
}

const LOWEST_PROTOCOL = 2;
const HIGHEST_PROTOCOL = 4;
/**
 * A weights pickle nests a few MARKs (the dict's items, an array's state, the dtype's state)
 * and, for each array, pushes a few dozen values and memoizes about ten objects.
 */
const MAX_MARKS = 16;
const MAX_VALUES = 20_000;
const MAX_MEMO = 8192;
/**
 * A genuine pickle processes each value it holds once or twice (protocol 2 turns text into
 * bytes, then numpy reads the bytes): work beyond this many units per byte of pickle can only
 * come from a value reused through the memo.
 */
const WORK_PER_BYTE = 2;

/** Opcode bytes, named as in pickletools. */
const OP = {
  MARK: 0x28, // (
  STOP: 0x2e, // .
  EMPTY_TUPLE: 0x29, // )
  BINBYTES: 0x42, // B
  SHORT_BINBYTES: 0x43, // C
  BININT: 0x4a, // J
  BININT1: 0x4b, // K
  BININT2: 0x4d, // M
  NONE: 0x4e, // N
  REDUCE: 0x52, // R
  BINUNICODE: 0x58, // X
  BUILD: 0x62, // b
  GLOBAL: 0x63, // c
  BINGET: 0x68, // h
  LONG_BINGET: 0x6a, // j
  BINPUT: 0x71, // q
  LONG_BINPUT: 0x72, // r
  SETITEM: 0x73, // s
  TUPLE: 0x74, // t
  SETITEMS: 0x75, // u
  EMPTY_DICT: 0x7d, // }
  PROTO: 0x80,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  SHORT_BINUNICODE: 0x8c,
  BINBYTES8: 0x8e,
  STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94,
  FRAME: 0x95,
} as const;
const OP_NAMES = new Map<number, string>(Object.entries(OP).map(([name, code]) => [code, name]));

/**
 * Protocol 2 has no opcode for bytes: Python 3 writes bytes b as
 * _codecs.encode(b.decode('latin1'), 'latin1') (Lib/pickle.py, save_bytes), and numpy's arrays
 * keep their data and type code in bytes. Exactly that use is accepted: a str and the encoding
 * 'latin1', each code point becoming its byte. Any other encoding is refused, for codecs.encode
 * also reaches transforms such as zlib_codec, a decompression bomb. (Empty bytes go through
 * builtins.bytes instead, which stays refused: only an empty array would need it, and a model
 * has none.)
 */
const CODECS_ENCODE: PickleGlobal = {
  name: '_codecs.encode',
  reduce(args, work) {
    const [text, encoding] = args;
    if (args.length !== 2 || typeof text !== 'string' || encoding !== 'latin1') {
      throw new InvalidWeightsError(`_codecs.encode may only be called as encode(str, 'latin1'), as protocol 2 stores bytes`);
    }
    work.charge(text.length);
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) > 0xff) throw new InvalidWeightsError(`_codecs.encode: character ${i} is above U+00FF, not latin1`);
    }
    return Buffer.from(text, 'latin1');
  },
};

export function unpickle(buf: Uint8Array, globals: readonly PickleGlobal[]): unknown {
  const allowed = new Map([...globals, CODECS_ENCODE].map((g) => [g.name, g]));
  const callables = new Set(allowed.values());
  const r = new Reader(buf);
  const memo = new Map<number, unknown>();
  const marks: unknown[][] = [];
  let stack: unknown[] = [];
  let values = 0;
  let workLeft = WORK_PER_BYTE * buf.length;

  const fail = (problem: string): never => r.fail(problem);
  // charged from REDUCE and BUILD only, whose `within` adds the opcode and offset
  const work: PickleWork = {
    charge(units) {
      workLeft -= units;
      if (workLeft < 0) throw new InvalidWeightsError('the pickle reuses its values through the memo far more than a weights pickle does');
    },
  };
  /** Errors from the caller's REDUCE and BUILD get the opcode and offset too. */
  const within = <T>(step: () => T): T => {
    try {
      return step();
    } catch (err) {
      return fail((err as Error).message);
    }
  };
  const push = (value: unknown): void => {
    if (++values > MAX_VALUES) fail(`more than ${thousands(MAX_VALUES)} values; a weights pickle holds far fewer`);
    stack.push(value);
  };
  const pop = (): unknown => (stack.length > 0 ? stack.pop() : fail('the stack is empty'));
  const top = (): unknown => (stack.length > 0 ? stack[stack.length - 1] : fail('the stack is empty'));
  const popMark = (): unknown[] => {
    const items = stack;
    stack = marks.pop() ?? fail('no MARK to pop to');
    return items;
  };
  const memoize = (index: number): void => {
    if (!memo.has(index) && memo.size >= MAX_MEMO) fail(`more than ${thousands(MAX_MEMO)} memo entries`);
    memo.set(index, top());
  };
  const tuple = (items: unknown[]): readonly unknown[] => Object.freeze(items);
  const resolveGlobal = (module: string, name: string): PickleGlobal => {
    const qualified = `${module}.${name}`;
    return (
      allowed.get(qualified) ??
      fail(`refused global ${clip(qualified)}: only ${[...allowed.keys()].join(', ')} may appear (a pickle must never run code)`)
    );
  };
  const setItems = (dict: unknown, items: unknown[]): void => {
    if (!(dict instanceof Map)) return fail('the target is not a dict');
    if (items.length % 2 !== 0) fail('odd number of keys and values');
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
  };

  for (;;) {
    const op = r.nextOpcode();
    if (r.opStart === 0 && op !== OP.PROTO) {
      fail(`no PROTO opcode first: a protocol 0 or 1 pickle, and only protocols ${LOWEST_PROTOCOL} to ${HIGHEST_PROTOCOL} are read`);
    }
    switch (op) {
      case OP.PROTO: {
        const version = r.uint(1);
        if (version < LOWEST_PROTOCOL || version > HIGHEST_PROTOCOL) {
          fail(`protocol ${version} is not supported (${LOWEST_PROTOCOL} to ${HIGHEST_PROTOCOL} are)`);
        }
        break;
      }
      case OP.FRAME:
        // Framing only groups opcodes for buffered reads (PEP 3154); check the frame fits, then read on.
        r.need(r.uint(8));
        break;
      case OP.MARK:
        if (marks.length >= MAX_MARKS) fail(`MARKs nest more than ${MAX_MARKS} deep`);
        marks.push(stack);
        stack = [];
        break;
      case OP.STOP: {
        if (marks.length > 0 || stack.length !== 1) fail(`expected one value on the stack, found ${stack.length}`);
        if (r.pos !== buf.length) fail(`${buf.length - r.pos} unexpected bytes after STOP`);
        return stack[0];
      }
      case OP.NONE:
        push(null);
        break;
      case OP.NEWTRUE:
      case OP.NEWFALSE:
        push(op === OP.NEWTRUE);
        break;
      case OP.BININT:
        push(r.int32());
        break;
      case OP.BININT1:
      case OP.BININT2:
        push(r.uint(op === OP.BININT1 ? 1 : 2));
        break;
      case OP.SHORT_BINUNICODE:
      case OP.BINUNICODE:
        push(r.utf8(r.uint(op === OP.SHORT_BINUNICODE ? 1 : 4)));
        break;
      case OP.SHORT_BINBYTES:
      case OP.BINBYTES:
      case OP.BINBYTES8:
        push(r.bytes(r.uint(op === OP.SHORT_BINBYTES ? 1 : op === OP.BINBYTES ? 4 : 8)));
        break;
      case OP.EMPTY_TUPLE:
        push(tuple([]));
        break;
      case OP.TUPLE: {
        // popMark replaces `stack`: take the items before pushing onto the restored stack
        const items = tuple(popMark());
        push(items);
        break;
      }
      case OP.TUPLE1:
      case OP.TUPLE2:
      case OP.TUPLE3: {
        const n = op - OP.TUPLE1 + 1;
        if (stack.length < n) fail('the stack is too short');
        push(tuple(stack.splice(stack.length - n, n)));
        break;
      }
      case OP.EMPTY_DICT:
        push(new Map());
        break;
      case OP.SETITEM: {
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case OP.SETITEMS: {
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case OP.BINPUT:
      case OP.LONG_BINPUT:
        memoize(r.uint(op === OP.BINPUT ? 1 : 4));
        break;
      case OP.MEMOIZE:
        memoize(memo.size);
        break;
      case OP.BINGET:
      case OP.LONG_BINGET: {
        const index = r.uint(op === OP.BINGET ? 1 : 4);
        push(memo.has(index) ? memo.get(index) : fail(`memo entry ${index} was never stored`));
        break;
      }
      case OP.GLOBAL: {
        const module = r.line();
        push(resolveGlobal(module, r.line()));
        break;
      }
      case OP.STACK_GLOBAL: {
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('module and name must be strings');
        push(resolveGlobal(module as string, name as string));
        break;
      }
      case OP.REDUCE: {
        const args = pop();
        const callable = pop();
        const global = callables.has(callable as PickleGlobal) ? (callable as PickleGlobal) : fail('the callable is not an allowed global');
        if (!Array.isArray(args)) fail('the arguments are not a tuple');
        push(within(() => global.reduce(args as unknown[], work)));
        break;
      }
      case OP.BUILD: {
        const state = pop();
        const target = top();
        if (!isBuildable(target)) fail('the target does not accept a state');
        within(() => (target as PickleBuildable).build(state, work));
        break;
      }
      default:
        fail('unknown or unsupported opcode (this reader knows only what a dict of numpy arrays needs)');
    }
  }
}

/** A value named in a message: its kind and size, never its whole content, never recursively. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(clip(value));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'None';
  if (value instanceof Uint8Array) return `bytes of length ${value.length}`;
  if (Array.isArray(value)) return `a tuple of ${plural(value.length, 'item')}`;
  if (value instanceof Map) return `a dict of ${plural(value.size, 'entry', 'entries')}`;
  return 'an object';
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function describeUnknownOpcode(op: number): string {
  const printable = op >= 0x20 && op < 0x7f ? ` ('${String.fromCharCode(op)}')` : '';
  return `opcode 0x${op.toString(16).padStart(2, '0')}${printable}`;
}

function isBuildable(value: unknown): value is PickleBuildable {
  return typeof value === 'object' && value !== null && typeof (value as Partial<PickleBuildable>).build === 'function';
}

/** Reads the opcodes' arguments, failing with the opcode and its offset when the bytes run out. */
class Reader {
  pos = 0;
  opStart = 0;
  opName = 'start';
  private readonly view: DataView;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  nextOpcode(): number {
    this.opStart = this.pos;
    if (this.pos >= this.buf.length) {
      this.opName = 'end of data';
      this.fail('truncated: the pickle ends without STOP');
    }
    const op = this.buf[this.pos++]!;
    this.opName = OP_NAMES.get(op) ?? describeUnknownOpcode(op);
    return op;
  }

  need(n: number): void {
    const left = this.buf.length - this.pos;
    if (n > left) this.fail(`truncated: needs ${n} more bytes, ${left} left`);
  }

  /** Unsigned little-endian integer of 1, 2, 4 or 8 bytes. */
  uint(bytes: 1 | 2 | 4 | 8): number {
    this.need(bytes);
    const at = this.pos;
    this.pos += bytes;
    if (bytes === 1) return this.view.getUint8(at);
    if (bytes === 2) return this.view.getUint16(at, true);
    if (bytes === 4) return this.view.getUint32(at, true);
    // Above 2^53 the value is imprecise, but it then exceeds any buffer and fails `need` anyway.
    return Number(this.view.getBigUint64(at, true));
  }

  int32(): number {
    this.need(4);
    this.pos += 4;
    return this.view.getInt32(this.pos - 4, true);
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    this.pos += n;
    return this.buf.subarray(this.pos - n, this.pos);
  }

  utf8(n: number): string {
    const bytes = this.bytes(n);
    try {
      return this.decoder.decode(bytes);
    } catch {
      return this.fail('the string is not valid UTF-8');
    }
  }

  /** A newline-terminated argument, as GLOBAL's module and name are. */
  line(): string {
    const end = this.buf.indexOf(0x0a, this.pos);
    if (end < 0) this.fail('truncated: no end of line');
    return this.utf8(end - this.pos + 1).slice(0, -1);
  }

  fail(problem: string): never {
    throw new InvalidWeightsError(`pickle: ${this.opName} at offset ${this.opStart}: ${problem}`);
  }
}
