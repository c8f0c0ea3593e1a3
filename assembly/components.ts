/**
 * The speck removal of the host's components.ts (which says what it does and why): the ink's
 * runs along each row, joined into 8-connected components by union-find, the small components
 * erased, the box around the rest.
 */

// the runs, as i32 arrays in scratch memory: row, first and last pixel, parent (closer to the
// component's root, which is its first run; its own index at the root)
let runY: usize = 0;
let runX0: usize = 0;
let runX1: usize = 0;
let parent: usize = 0;

@inline
function get(array: usize, i: i32): i32 {
  return load<i32>(array + (<usize>i << 2));
}

@inline
function set(array: usize, i: i32, v: i32): void {
  store<i32>(array + (<usize>i << 2), v);
}

function rootOf(i: i32): i32 {
  while (get(parent, i) != i) {
    // path halving: later look-ups take shorter paths
    set(parent, i, get(parent, get(parent, i)));
    i = get(parent, i);
  }
  return i;
}

function join(a: i32, b: i32): void {
  const ra = rootOf(a);
  const rb = rootOf(b);
  // the earlier run stays the root
  if (ra != rb) set(parent, max(ra, rb), min(ra, rb));
}

/** i32 values per pixel the scratch of keepMainInk needs. */
export function componentScratchPerPixel(): i32 {
  return 9;
}

/**
 * Erases (sets to 0) the specks among the pixels of the `w` x `h` u8 `levels` above
 * `threshold`, in place (a speck: a component smaller than `speckFraction` of the largest); writes the box around the ink that is left (i32 x0, y0, x1, y1) to
 * `box` and returns 1, or returns 0 when there is no ink. `scratch` holds
 * componentScratchPerPixel() i32 per pixel.
 */
export function keepMainInk(levels: usize, w: i32, h: i32, threshold: f64, speckFraction: f64, scratch: usize, box: usize): i32 {
  const capacity = <usize>(w * h) << 2;
  runY = scratch;
  runX0 = runY + capacity;
  runX1 = runX0 + capacity;
  parent = runX1 + capacity;
  // per root run: its component's size and box
  const size = parent + capacity;
  const left = size + capacity;
  const top = left + capacity;
  const right = top + capacity;
  const bottom = right + capacity;
  // a level is ink when above the threshold, that is above its whole part (levels are whole)
  const floor = <i32>Math.max(-1, Math.min(255, Math.floor(threshold)));
  const paper = i8x16.splat(<i8>max(0, floor));
  let count = 0;
  for (let y = 0, p = 0, above = 0; y < h; y++) {
    const rowStart = count;
    for (let x = 0; x < w; x++, p++) {
      // sixteen pixels of paper at a time: most of a picture
      while (floor >= 0 && x + 16 <= w && !v128.any_true(i8x16.gt_u(v128.load(levels + <usize>p), paper))) {
        x += 16;
        p += 16;
      }
      if (x >= w) break;
      if (<i32>load<u8>(levels + <usize>p) <= floor) continue;
      const x0 = x;
      while (x + 1 < w && <i32>load<u8>(levels + <usize>(p + 1)) > floor) {
        x++;
        p++;
      }
      const i = count++;
      set(runY, i, y);
      set(runX0, i, x0);
      set(runX1, i, x);
      set(parent, i, i);
      // the runs of the row above are in order: those ending before this one's reach cannot touch the next ones either
      while (above < rowStart && get(runX1, above) < x0 - 1) above++;
      for (let k = above; k < rowStart && get(runX0, k) <= x + 1; k++) join(k, i);
    }
    above = rowStart;
  }
  if (count == 0) return 0;
  // a root comes before the other runs of its component
  let largest = 0;
  for (let i = 0; i < count; i++) {
    const root = rootOf(i);
    if (root == i) {
      set(size, i, 0);
      set(left, i, w);
      set(top, i, h);
      set(right, i, -1);
      set(bottom, i, -1);
    }
    const y = get(runY, i);
    set(size, root, get(size, root) + get(runX1, i) - get(runX0, i) + 1);
    set(left, root, min(get(left, root), get(runX0, i)));
    set(right, root, max(get(right, root), get(runX1, i)));
    set(top, root, min(get(top, root), y));
    set(bottom, root, max(get(bottom, root), y));
    largest = max(largest, get(size, root));
  }
  let bx0 = w;
  let by0 = h;
  let bx1 = -1;
  let by1 = -1;
  for (let i = 0; i < count; i++) {
    const root = rootOf(i);
    if (<f64>get(size, root) < speckFraction * <f64>largest) {
      const row = levels + <usize>(get(runY, i) * w);
      memory.fill(row + <usize>get(runX0, i), 0, <usize>(get(runX1, i) - get(runX0, i) + 1));
      continue;
    }
    bx0 = min(bx0, get(left, root));
    by0 = min(by0, get(top, root));
    bx1 = max(bx1, get(right, root));
    by1 = max(by1, get(bottom, root));
  }
  store<i32>(box, bx0);
  store<i32>(box, by0, 4);
  store<i32>(box, bx1, 8);
  store<i32>(box, by1, 12);
  return 1;
}
