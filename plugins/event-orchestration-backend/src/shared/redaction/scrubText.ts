import {
  MAX_KEY_LENGTH,
  REDACTED,
  isSecretKey,
  isSecretQueryParameter,
} from './secretKeys';

const TOKEN_PREFIXES = [
  'ghp_',
  'gho_',
  'ghu_',
  'ghs_',
  'ghr_',
  'github_pat_',
  'glpat-',
  'xoxb-',
  'xoxp-',
  'xoxa-',
  'xoxr-',
  'xoxs-',
];

function isWordChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || // 0-9
    (code >= 65 && code <= 90) || // A-Z
    (code >= 97 && code <= 122) || // a-z
    code === 95 || // _
    code === 45 || // -
    code === 46 // .
  );
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9;
}

/** Where an unquoted value ends: the next space, quote, separator or bracket. */
function isValueEnd(code: number): boolean {
  return (
    code === 32 ||
    code === 9 ||
    code === 10 ||
    code === 13 ||
    code === 34 || // "
    code === 39 || // '
    code === 96 || // `
    code === 38 || // &
    code === 44 || // ,
    code === 59 || // ;
    code === 35 || // #
    code === 125 || // }
    code === 93 || // ]
    code === 41 || // )
    code === 60 || // <
    code === 62 || // >
    code === 92 // \
  );
}

function isAuthorityEnd(code: number): boolean {
  return isValueEnd(code) || code === 47 /* / */ || code === 63 /* ? */;
}

/** Whether a word is, by its shape alone, a credential: a JWT, a GitHub/GitLab/Slack token, an AWS key id. */
function looksLikeToken(word: string): boolean {
  if (word.length < 12) return false;
  if (
    TOKEN_PREFIXES.some(p => word.startsWith(p) && word.length >= p.length + 16)
  )
    return true;
  if (
    word.length === 20 &&
    (word.startsWith('AKIA') || word.startsWith('ASIA')) &&
    /^[A-Z0-9]+$/.test(word)
  )
    return true;
  if (word.startsWith('eyJ')) {
    const parts = word.split('.', 4);
    return parts.length === 3 && parts[0].length >= 8 && parts[1].length >= 4;
  }
  return false;
}

/** Replaces PEM private key blocks; a block without its END line is cut to the end of the text. */
function scrubPrivateKeys(text: string): string {
  const BEGIN = '-----BEGIN ';
  let out = '';
  let copied = 0;
  let from = 0;
  for (;;) {
    const begin = text.indexOf(BEGIN, from);
    if (begin < 0) break;
    const labelEnd = text.indexOf('-----', begin + BEGIN.length);
    if (labelEnd < 0) break;
    const label = text.slice(begin + BEGIN.length, labelEnd);
    if (label.length > 64 || !label.endsWith('PRIVATE KEY')) {
      from = labelEnd;
      continue;
    }
    out += `${text.slice(copied, begin)}${REDACTED}`;
    const end = text.indexOf(`-----END ${label}-----`, labelEnd + 5);
    if (end < 0) return out;
    copied = end + `-----END ${label}-----`.length;
    from = copied;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** `scheme://user:pass@host` → `scheme://***@host`, for every URL in the text. */
function scrubUrlCredentials(text: string): string {
  let out = '';
  let copied = 0;
  let from = 0;
  for (;;) {
    const scheme = text.indexOf('://', from);
    if (scheme < 0) break;
    const start = scheme + 3;
    let end = start;
    let at = -1;
    while (end < text.length && !isAuthorityEnd(text.charCodeAt(end))) {
      if (text.charCodeAt(end) === 64 /* @ */) at = end;
      end++;
    }
    if (at > start) {
      out += `${text.slice(copied, start)}${REDACTED}`;
      copied = at;
    }
    // Not `end`: the `/` that ends this authority may begin the next `://`.
    from = start;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * One pass over the words of the text: values after secret-looking keys
 * (`password=…`, `"access_token": "…"`, `?sig=…`), after `Bearer`/`Basic`, and
 * words shaped like tokens. Every character is looked at a bounded number of
 * times, so hostile text costs linear time.
 */
function scrubWords(text: string): string {
  let out = '';
  let copied = 0;
  const redact = (start: number, end: number) => {
    out += `${text.slice(copied, start)}${REDACTED}`;
    copied = end;
  };
  const valueEnd = (start: number) => {
    let end = start;
    while (end < text.length && !isValueEnd(text.charCodeAt(end))) end++;
    return end;
  };
  const skipSpaces = (at: number) => {
    let i = at;
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    return i;
  };
  let i = 0;
  while (i < text.length) {
    if (!isWordChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < text.length && isWordChar(text.charCodeAt(i))) i++;
    const word = text.slice(start, i);
    if (looksLikeToken(word)) {
      redact(start, i);
      continue;
    }
    if (word.length > MAX_KEY_LENGTH) continue;
    const lower = word.toLowerCase();
    if (lower === 'bearer' || lower === 'basic') {
      const value = skipSpaces(i);
      if (value === i) continue;
      const end = valueEnd(value);
      if (
        end - value >= (lower === 'bearer' ? 3 : 8) &&
        !text.startsWith('${{', value)
      ) {
        redact(value, end);
        i = end;
      }
      continue;
    }
    const previous = start > 0 ? text.charCodeAt(start - 1) : 0;
    // A host name (`//secrets.example.com:8443`) is no key.
    if (previous === 47 /* / */ || previous === 64 /* @ */) continue;
    const inQuery = previous === 63 /* ? */ || previous === 38; /* & */
    const secretKey =
      isSecretKey(word) || (inQuery && isSecretQueryParameter(word));
    if (!secretKey) continue;
    // A verdict's reason quotes the field it looked at: data.password was `…`
    if (text.startsWith(' was `', i)) {
      const close = text.indexOf('`', i + 6);
      const end = close < 0 ? text.length : close;
      if (end > i + 6) redact(i + 6, end);
      i = end;
      continue;
    }
    // key, optional closing quote, `:` or `=`, optional opening quote, value
    let j = i;
    const keyQuote = text.charCodeAt(j);
    if (keyQuote === 34 || keyQuote === 39) j++;
    j = skipSpaces(j);
    const separator = text.charCodeAt(j);
    if (separator !== 58 /* : */ && separator !== 61 /* = */) continue;
    j = skipSpaces(j + 1);
    const quote = text.charCodeAt(j);
    if (quote === 34 || quote === 39) {
      const close = text.indexOf(text[j], j + 1);
      const end = close < 0 ? text.length : close;
      if (end > j + 1) redact(j + 1, end);
      i = end;
      continue;
    }
    if (text.startsWith('${{', j)) continue;
    let end = valueEnd(j);
    const scheme = text.slice(j, end).toLowerCase();
    if (scheme === 'bearer' || scheme === 'basic' || scheme === 'token') {
      const after = skipSpaces(end);
      if (after > end) end = valueEnd(after);
    }
    if (end > j) redact(j, end);
    i = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Replaces every occurrence of the given values (configured secrets). */
export function scrubValues(text: string, values: readonly string[]): string {
  let scrubbed = text;
  for (const value of values) {
    if (scrubbed.includes(value))
      scrubbed = scrubbed.split(value).join(REDACTED);
  }
  return scrubbed;
}

/**
 * Scrubs credentials from free text (log lines, error messages, response
 * bodies): configured secret values, PEM private keys, tokens recognised by
 * their shape, values after secret-looking keys or `Bearer`/`Basic`, and
 * credentials in URLs.
 */
export function scrubText(
  text: string,
  knownValues: readonly string[] = [],
): string {
  return scrubWords(
    scrubUrlCredentials(scrubPrivateKeys(scrubValues(text, knownValues))),
  );
}

/** A URL with its user information and credential query parameters replaced by `***`. */
export function redactUrl(url: string): string {
  return scrubText(url);
}
