/**
 * A minimal unpickler: a data interpreter for the part of the pickle format (protocols 2 to 4)
 * that a dict of numpy arrays uses, nothing more. Opcodes and their arguments are those of
 * CPython's Lib/pickletools.py (https://github.com/python/cpython/blob/main/Lib/pickletools.py);
 * the stack, mark and memo semantics follow Lib/pickle.py `_Unpickler`.
 *
 * Python's unpickler imports whatever global a pickle names and calls it, which is how a pickle
 * runs code (https://docs.python.org/3/library/pickle.html, the warning at the top). Here a
 * global can only be one of the entries the caller passes; any other is refused as soon as its
 * opcode is read, before anything is done with it. Tuples become frozen arrays, dicts Maps.
 */
import { InvalidWeightsError } from './errors.js';

/** A global the caller allows, and what REDUCE does with it. */
export interface PickleGlobal {
  /** "module.qualname", as GLOBAL / STACK_GLOBAL name it */
  readonly name: string;
  /** REDUCE: make the object from the argument tuple (never run anything) */
  reduce(args: readonly unknown[]): unknown;
}

/** An object made by REDUCE that BUILD completes with its state (Python's __setstate__). */
export interface PickleBuildable {
  build(state: unknown): void;
}

const HIGHEST_PROTOCOL = 4;

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

export function unpickle(buf: Uint8Array, globals: readonly PickleGlobal[]): unknown {
  const allowed = new Map(globals.map((g) => [g.name, g]));
  const r = new Reader(buf);
  const memo = new Map<number, unknown>();
  const marks: unknown[][] = [];
  let stack: unknown[] = [];

  const fail = (problem: string): never => r.fail(problem);
  /** Errors from the caller's REDUCE and BUILD get the opcode and offset too. */
  const within = <T>(step: () => T): T => {
    try {
      return step();
    } catch (err) {
      return fail((err as Error).message);
    }
  };
  const pop = (): unknown => (stack.length > 0 ? stack.pop() : fail('the stack is empty'));
  const top = (): unknown => (stack.length > 0 ? stack[stack.length - 1] : fail('the stack is empty'));
  const popMark = (): unknown[] => {
    const items = stack;
    stack = marks.pop() ?? fail('no MARK to pop to');
    return items;
  };
  const tuple = (items: unknown[]): readonly unknown[] => Object.freeze(items);
  const resolveGlobal = (module: string, name: string): PickleGlobal => {
    const qualified = `${module}.${name}`;
    return (
      allowed.get(qualified) ??
      fail(`refused global ${qualified}: only ${[...allowed.keys()].join(', ')} may appear (a pickle must never run code)`)
    );
  };
  const setItems = (dict: unknown, items: unknown[]): void => {
    if (!(dict instanceof Map)) fail('the target is not a dict');
    if (items.length % 2 !== 0) fail('odd number of keys and values');
    for (let i = 0; i < items.length; i += 2) (dict as Map<unknown, unknown>).set(items[i], items[i + 1]);
  };

  for (;;) {
    const op = r.nextOpcode();
    switch (op) {
      case OP.PROTO: {
        const version = r.uint(1);
        if (version > HIGHEST_PROTOCOL) fail(`protocol ${version} is not supported (2 to ${HIGHEST_PROTOCOL} are)`);
        break;
      }
      case OP.FRAME:
        // Framing only groups opcodes for buffered reads (PEP 3154); check the frame fits, then read on.
        r.need(r.uint(8));
        break;
      case OP.MARK:
        marks.push(stack);
        stack = [];
        break;
      case OP.STOP: {
        if (marks.length > 0 || stack.length !== 1) fail(`expected one value on the stack, found ${stack.length}`);
        if (r.pos !== buf.length) fail(`${buf.length - r.pos} unexpected bytes after STOP`);
        return stack[0];
      }
      case OP.NONE:
        stack.push(null);
        break;
      case OP.NEWTRUE:
      case OP.NEWFALSE:
        stack.push(op === OP.NEWTRUE);
        break;
      case OP.BININT:
        stack.push(r.int32());
        break;
      case OP.BININT1:
      case OP.BININT2:
        stack.push(r.uint(op === OP.BININT1 ? 1 : 2));
        break;
      case OP.SHORT_BINUNICODE:
      case OP.BINUNICODE:
        stack.push(r.utf8(r.uint(op === OP.SHORT_BINUNICODE ? 1 : 4)));
        break;
      case OP.SHORT_BINBYTES:
      case OP.BINBYTES:
      case OP.BINBYTES8:
        stack.push(r.bytes(r.uint(op === OP.SHORT_BINBYTES ? 1 : op === OP.BINBYTES ? 4 : 8)));
        break;
      case OP.EMPTY_TUPLE:
        stack.push(tuple([]));
        break;
      case OP.TUPLE: {
        // popMark replaces `stack`: take the items before pushing onto the restored stack
        const items = tuple(popMark());
        stack.push(items);
        break;
      }
      case OP.TUPLE1:
      case OP.TUPLE2:
      case OP.TUPLE3: {
        const n = op - OP.TUPLE1 + 1;
        if (stack.length < n) fail('the stack is too short');
        stack.push(tuple(stack.splice(stack.length - n, n)));
        break;
      }
      case OP.EMPTY_DICT:
        stack.push(new Map());
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
        memo.set(r.uint(op === OP.BINPUT ? 1 : 4), top());
        break;
      case OP.MEMOIZE:
        memo.set(memo.size, top());
        break;
      case OP.BINGET:
      case OP.LONG_BINGET: {
        const index = r.uint(op === OP.BINGET ? 1 : 4);
        stack.push(memo.has(index) ? memo.get(index) : fail(`memo entry ${index} was never stored`));
        break;
      }
      case OP.GLOBAL: {
        const module = r.line();
        stack.push(resolveGlobal(module, r.line()));
        break;
      }
      case OP.STACK_GLOBAL: {
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('module and name must be strings');
        stack.push(resolveGlobal(module as string, name as string));
        break;
      }
      case OP.REDUCE: {
        const args = pop();
        const callable = pop();
        const global = [...allowed.values()].find((g) => g === callable) ?? fail('the callable is not an allowed global');
        if (!Array.isArray(args)) fail('the arguments are not a tuple');
        stack.push(within(() => global.reduce(args as unknown[])));
        break;
      }
      case OP.BUILD: {
        const state = pop();
        const target = top();
        if (!isBuildable(target)) fail('the target does not accept a state');
        within(() => (target as PickleBuildable).build(state));
        break;
      }
      default:
        fail('unknown or unsupported opcode (this reader knows only what a dict of numpy arrays needs)');
    }
  }
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
