/**
 * A least-recently-used cache bounded by bytes, for decoded activation matrices. Map keeps
 * insertion order, so re-inserting on every hit makes the first key the least recently used.
 */
export class LruCache<V> {
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private used = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number) {
    if (!(maxBytes >= 0)) throw new RangeError(`LruCache maxBytes must be >= 0, got ${maxBytes}`);
  }

  get bytes(): number { return this.used; }
  get size(): number { return this.entries.size; }

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) { this.misses++; return undefined; }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  /** Store a value; one larger than the whole budget is not cached at all. */
  set(key: string, value: V, bytes: number): void {
    this.delete(key);
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, bytes });
    this.used += bytes;
    for (const [k, e] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.entries.delete(k);
      this.used -= e.bytes;
    }
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.used -= e.bytes;
  }

  /** Drop every key starting with prefix (e.g. all layers of one checkpoint). */
  deletePrefix(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.delete(k);
  }

  clear(): void {
    this.entries.clear();
    this.used = 0;
  }
}
