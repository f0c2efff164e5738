import { eventTypeMatches } from './eventTypes';

describe('eventTypeMatches', () => {
  it('matches every type without patterns, a prefix with .*, and otherwise exactly', () => {
    expect(eventTypeMatches('github.push', undefined)).toBe(true);
    expect(eventTypeMatches('github.push', [])).toBe(true);
    expect(eventTypeMatches('github.push', ['github.*'])).toBe(true);
    expect(eventTypeMatches('githubx.push', ['github.*'])).toBe(false);
    expect(eventTypeMatches('github', ['github.*'])).toBe(false);
    expect(eventTypeMatches('github.push', ['github.pus'])).toBe(false);
    expect(eventTypeMatches('a.b', ['x.y', 'a.b'])).toBe(true);
  });
});
