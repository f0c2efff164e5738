import fc from 'fast-check';
import { redactSecrets, scrubText } from './redactSecrets';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const chars = (alphabet: string, min: number, max: number) =>
  fc
    .array(fc.constantFrom(...alphabet.split('')), {
      minLength: min,
      maxLength: max,
    })
    .map(a => a.join(''));

/** A credential and the text that carries it, in the shapes senders and APIs use. */
const credentialInText = fc.oneof(
  chars(ALNUM, 16, 40).map(s => ({ secret: s, text: `ghp_${s}` })),
  chars(UPPER, 16, 16).map(s => ({ secret: s, text: `AKIA${s}` })),
  fc
    .tuple(chars(ALNUM, 8, 30), chars(ALNUM, 4, 30), chars(ALNUM, 16, 43))
    .map(([h, p, s]) => ({ secret: s, text: `eyJ${h}.${p}.${s}` })),
  chars(ALNUM, 12, 30).map(s => ({
    secret: s,
    text: `https://deploy:${s}@git.example.com/org/repo.git`,
  })),
  chars(ALNUM, 12, 30).map(s => ({ secret: s, text: `password=${s}` })),
  chars(ALNUM, 12, 30).map(s => ({
    secret: s,
    text: `{"access_token": "${s}", "token_type": "bearer"}`,
  })),
  chars(ALNUM, 12, 30).map(s => ({ secret: s, text: `Bearer ${s}` })),
  chars(ALNUM, 12, 60).map(s => ({
    secret: s,
    text: `-----BEGIN RSA PRIVATE KEY-----\n${s}\n-----END RSA PRIVATE KEY-----`,
  })),
);

describe('scrubText on generated text', () => {
  it('never lets a credential through, whatever surrounds it, and scrubbing twice changes nothing more', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }),
        credentialInText,
        fc.string({ maxLength: 200 }),
        (before, { secret, text }, after) => {
          fc.pre(!before.includes(secret) && !after.includes(secret));
          const scrubbed = scrubText(`${before} ${text} ${after}`);
          expect(scrubbed).not.toContain(secret);
          expect(scrubText(scrubbed)).toBe(scrubbed);
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it('redacts any JSON value without throwing, keeping its shape', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), value => {
        const redacted = redactSecrets(value);
        expect(typeof redacted).toBe(typeof value);
        expect(Array.isArray(redacted)).toBe(Array.isArray(value));
      }),
      { numRuns: 10_000 },
    );
  });
});
