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
    }
  /**
   * Slack's signing scheme (`X-Slack-Signature: v0=<hex>` over
   * `v0:<X-Slack-Request-Timestamp>:<body>`), or, for Mattermost's
   * Slack-compatible slash commands, the `token` form field.
   */
  | { kind: 'slack'; signingSecret: string; toleranceSeconds: number }
  | { kind: 'slack-token'; verificationToken: string };

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
  if (auth.kind === 'slack')
    return checkSlackSignature(auth, headers, rawBody, now);
  if (auth.kind === 'slack-token') return checkSlackToken(auth, rawBody);
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

/** Slack's request signing (api.slack.com/authentication/verifying-requests-from-slack). */
function checkSlackSignature(
  auth: { signingSecret: string; toleranceSeconds: number },
  headers: Record<string, string | undefined>,
  rawBody: Buffer,
  now: number,
): string | undefined {
  const stamp = headers['x-slack-request-timestamp']?.trim();
  if (!stamp || !/^\d{1,12}$/.test(stamp))
    return 'Missing or malformed timestamp header x-slack-request-timestamp';
  if (Math.abs(now / 1000 - Number(stamp)) > auth.toleranceSeconds) {
    return `Timestamp in x-slack-request-timestamp is outside the replay window of ${auth.toleranceSeconds} s`;
  }
  const given = headers['x-slack-signature']?.trim();
  if (!given) return 'Missing signature header x-slack-signature';
  const expected = `v0=${createHmac('sha256', auth.signingSecret)
    .update(Buffer.concat([Buffer.from(`v0:${stamp}:`, 'utf8'), rawBody]))
    .digest('hex')}`;
  return safeEqual(given.toLowerCase(), expected)
    ? undefined
    : 'Invalid signature in x-slack-signature';
}

/** Mattermost's slash commands carry the command's token in the form body. */
function checkSlackToken(
  auth: { verificationToken: string },
  rawBody: Buffer,
): string | undefined {
  // Read from the raw bytes: the form is decoded properly only after this passed.
  const tokens = new URLSearchParams(rawBody.toString('utf8')).getAll('token');
  return tokens.length === 1 && safeEqual(tokens[0], auth.verificationToken)
    ? undefined
    : "Missing or invalid token in the form field 'token'";
}
