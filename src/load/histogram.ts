/**
 * A log-linear latency histogram in the spirit of HdrHistogram: values (microseconds) below
 * 256 are exact, larger ones fall in buckets 1/128 of their power of two wide, so every
 * percentile is within 0.8 % of the true value. Fixed memory, O(1) record, mergeable, and
 * serialisable as JSON so processes can hand their histograms to each other.
 */
const SUB_BITS = 7;
const SUB = 1 << SUB_BITS; // 128 sub-buckets per power of two
const LINEAR = SUB * 2; // values < 256 are exact
const MAX_VALUE = 2 ** 32 - 1;
const BUCKETS = LINEAR + (32 - (SUB_BITS + 1)) * SUB;

function indexOf(v: number): number {
  if (v < LINEAR) return v;
  const msb = 31 - Math.clz32(v);
  const shift = msb - SUB_BITS;
  return LINEAR + (msb - SUB_BITS - 1) * SUB + ((v >>> shift) - SUB);
}

/** The highest value that lands in bucket `i`. */
function highestOf(i: number): number {
  if (i < LINEAR) return i;
  const k = i - LINEAR;
  const msb = Math.floor(k / SUB) + SUB_BITS + 1;
  const shift = msb - SUB_BITS;
  const lowest = ((k % SUB) + SUB) * 2 ** shift;
  return lowest + 2 ** shift - 1;
}

export interface HistogramSnapshot {
  /** Sparse [bucket index, count] pairs. */
  counts: [number, number][];
  min: number;
  max: number;
  sum: number;
}

export class Histogram {
  private counts = new Float64Array(BUCKETS);
  count = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;
  sum = 0;

  /** Records one value; negatives count as 0, fractions are rounded, huge values are clamped. */
  record(value: number): void {
    const v = Math.min(MAX_VALUE, Math.max(0, Math.round(value)));
    this.counts[indexOf(v)]! += 1;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** The value at or below which `p` percent of the recorded values fall (0 when empty). */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, highestOf(i)));
    }
    return this.max;
  }

  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  merge(other: Histogram): void {
    this.add(other.snapshot());
  }

  add(s: HistogramSnapshot): void {
    for (const [i, c] of s.counts) {
      this.counts[i]! += c;
      this.count += c;
    }
    this.sum += s.sum;
    if (s.counts.length > 0) {
      this.min = Math.min(this.min, s.min);
      this.max = Math.max(this.max, s.max);
    }
  }

  snapshot(): HistogramSnapshot {
    const counts: [number, number][] = [];
    this.counts.forEach((c, i) => {
      if (c > 0) counts.push([i, c]);
    });
    return { counts, min: this.count === 0 ? 0 : this.min, max: this.max, sum: this.sum };
  }

  static from(s: HistogramSnapshot): Histogram {
    const h = new Histogram();
    h.add(s);
    return h;
  }
}
