// The discrete-event core's clock: a binary min-heap of (time, sequence) keyed events with a small
// integer payload, stored as parallel typed arrays (no allocation per event). Equal times pop in the
// order they were pushed, which is what makes a run deterministic.

export interface PoppedEvent {
  timeMs: number;
  kind: number;
  a: number;
  b: number;
}

export class EventQueue {
  private timeMs: Float64Array;
  private seq: Float64Array;
  private kind: Int32Array;
  private a: Int32Array;
  private b: Int32Array;
  private count = 0;
  private nextSeq = 0;
  /** The last popped event (reused: read its fields before the next pop). */
  readonly top: PoppedEvent = { timeMs: 0, kind: 0, a: 0, b: 0 };

  constructor(capacity = 256) {
    this.timeMs = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.kind = new Int32Array(capacity);
    this.a = new Int32Array(capacity);
    this.b = new Int32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(timeMs: number, kind: number, a = 0, b = 0): void {
    if (this.count === this.timeMs.length) this.grow();
    const s = this.nextSeq++;
    // Sift up with a hole instead of swaps.
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = this.timeMs[parent];
      if (pt < timeMs || (pt === timeMs && this.seq[parent] < s)) break;
      this.move(parent, i);
      i = parent;
    }
    this.timeMs[i] = timeMs;
    this.seq[i] = s;
    this.kind[i] = kind;
    this.a[i] = a;
    this.b[i] = b;
  }

  /** Removes the earliest event into `top`; false when empty. */
  pop(): boolean {
    if (this.count === 0) return false;
    const top = this.top;
    top.timeMs = this.timeMs[0];
    top.kind = this.kind[0];
    top.a = this.a[0];
    top.b = this.b[0];
    const last = --this.count;
    if (last > 0) {
      const t = this.timeMs[last];
      const s = this.seq[last];
      const k = this.kind[last];
      const a = this.a[last];
      const b = this.b[last];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= last) break;
        const r = c + 1;
        if (
          r < last &&
          (this.timeMs[r] < this.timeMs[c] ||
            (this.timeMs[r] === this.timeMs[c] && this.seq[r] < this.seq[c]))
        ) {
          c = r;
        }
        if (this.timeMs[c] > t || (this.timeMs[c] === t && this.seq[c] > s)) break;
        this.move(c, i);
        i = c;
      }
      this.timeMs[i] = t;
      this.seq[i] = s;
      this.kind[i] = k;
      this.a[i] = a;
      this.b[i] = b;
    }
    return true;
  }

  /** Time of the earliest event (Infinity when empty). */
  peekTimeMs(): number {
    return this.count > 0 ? this.timeMs[0] : Infinity;
  }

  private move(from: number, to: number): void {
    this.timeMs[to] = this.timeMs[from];
    this.seq[to] = this.seq[from];
    this.kind[to] = this.kind[from];
    this.a[to] = this.a[from];
    this.b[to] = this.b[from];
  }

  private grow(): void {
    const n = this.timeMs.length * 2;
    const grow64 = (x: Float64Array): Float64Array => {
      const y = new Float64Array(n);
      y.set(x);
      return y;
    };
    const grow32 = (x: Int32Array): Int32Array => {
      const y = new Int32Array(n);
      y.set(x);
      return y;
    };
    this.timeMs = grow64(this.timeMs);
    this.seq = grow64(this.seq);
    this.kind = grow32(this.kind);
    this.a = grow32(this.a);
    this.b = grow32(this.b);
  }
}
