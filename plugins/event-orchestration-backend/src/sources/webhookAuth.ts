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
    };

/** Constant-time comparison; hashing first makes lengths equal and hides them. */
export function safeEqual(given: string | Buffer, expected: string | Buffer): boolean {
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
  rawBody: string,
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
  const hex = given.trim().replace(new RegExp(`^${auth.algorithm}=`, 'i'), '').toLowerCase();
  const expected = createHmac(auth.algorithm, auth.secret).update(rawBody, 'utf8').digest('hex');
  return safeEqual(hex, expected) ? undefined : `Invalid signature in ${auth.header}`;
}
