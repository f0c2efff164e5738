import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** How a webhook source authenticates its sender. */
export type WebhookAuth =
  | { kind: 'bearer'; token: string }
  | {
      kind: 'hmac';
      secret: string;
      /** Lower-case header name that carries the hex digest. */
      header: string;
      algorithm: 'sha1' | 'sha256' | 'sha512';
      /**
       * Replay protection for senders that sign a timestamp (Slack, Stripe-style):
       * the header carrying it (Unix seconds), and how far from now it may be.
       * The signed text is then `<timestamp>.<body>`.
       */
      timestamp?: { header: string; toleranceSeconds: number };
    };

/** Constant-time comparison; hashing first makes lengths equal and hides them. */
export function safeEqual(
  given: string | Buffer,
  expected: string | Buffer,
): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Checks a request against a source's authentication. Returns the reason when
 * it fails; the reason names what was missing or wrong, never a secret.
 */
export function checkWebhookAuth(
  auth: WebhookAuth,
  headers: Record<string, string | undefined>,
  /** The body exactly as received: senders sign bytes, not our decoding of them. */
  rawBody: Buffer,
  now = Date.now(),
): string | undefined {
  if (auth.kind === 'bearer') {
    const match = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
    return match && safeEqual(match[1].trim(), auth.token)
      ? undefined
      : 'Missing or invalid bearer token';
  }
  const given = headers[auth.header];
  if (!given) return `Missing signature header ${auth.header}`;
  // The digest may come as "sha256=<hex>" (GitHub's form) or as bare hex.
  const hex = given
    .trim()
    .replace(new RegExp(`^${auth.algorithm}=`, 'i'), '')
    .toLowerCase();
  let signed = rawBody;
  if (auth.timestamp) {
    const stamp = headers[auth.timestamp.header];
    if (!stamp || !/^\d{1,12}$/.test(stamp.trim()))
      return `Missing or malformed timestamp header ${auth.timestamp.header}`;
    signed = Buffer.concat([Buffer.from(`${stamp.trim()}.`, 'utf8'), rawBody]);
    // Checked after the signature below would tell an attacker nothing more; checked
    // here it keeps replays of old, validly signed requests out.
    const ageSeconds = Math.abs(now / 1000 - Number(stamp.trim()));
    if (ageSeconds > auth.timestamp.toleranceSeconds) {
      return `Timestamp in ${auth.timestamp.header} is outside the replay window of ${auth.timestamp.toleranceSeconds} s`;
    }
  }
  const expected = createHmac(auth.algorithm, auth.secret)
    .update(signed)
    .digest('hex');
  return safeEqual(hex, expected)
    ? undefined
    : `Invalid signature in ${auth.header}`;
}
