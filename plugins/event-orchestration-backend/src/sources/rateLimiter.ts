/**
 * A token bucket per webhook source: up to `max` requests at once, refilled
 * at `max` per `perMs`. In memory, so each backend replica allows its own
 * share — the limit protects the process and the bus from a runaway sender,
 * it is not a quota.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly max: number,
    private readonly perMs: number,
    private readonly now = () => Date.now(),
  ) {
    this.tokens = max;
    this.updatedAt = now();
  }

  /** Takes a token; when none is left, the seconds until one is back. */
  take(): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const now = this.now();
    this.tokens = Math.min(
      this.max,
      this.tokens + ((now - this.updatedAt) * this.max) / this.perMs,
    );
    this.updatedAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { allowed: true };
    }
    const msUntilToken = ((1 - this.tokens) * this.perMs) / this.max;
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil(msUntilToken / 1000)),
    };
  }
}

/** Too many requests from one source; the router adds `Retry-After`. */
export class RateLimitedError extends Error {
  readonly statusCode = 429;

  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
    this.name = 'RateLimitedError';
  }
}
