// Token buckets keyed by person or group. A bucket holds up to `capacity`
// tokens and refills continuously at capacity / perSeconds tokens per second.

export interface BucketSpec {
  capacity: number;
  perSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly ratePerMs: number;

  constructor(private readonly spec: BucketSpec) {
    this.ratePerMs = spec.capacity / (spec.perSeconds * 1000);
  }

  /** Tokens available for `key` at `now` (refilled, not consumed). */
  available(key: string, now: number): number {
    const b = this.buckets.get(key);
    if (!b) return this.spec.capacity;
    const elapsed = Math.max(0, now - b.at);
    return Math.min(this.spec.capacity, b.tokens + elapsed * this.ratePerMs);
  }

  /** True when at least one whole token is available. */
  has(key: string, now: number): boolean {
    return this.available(key, now) >= 1;
  }

  /** Takes one token if available; returns whether it did. */
  take(key: string, now: number): boolean {
    const tokens = this.available(key, now);
    if (tokens < 1) return false;
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    return true;
  }

  /** Forgets buckets that have refilled completely (keeps the map small). */
  prune(now: number): void {
    for (const key of this.buckets.keys()) {
      if (this.available(key, now) >= this.spec.capacity) this.buckets.delete(key);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
