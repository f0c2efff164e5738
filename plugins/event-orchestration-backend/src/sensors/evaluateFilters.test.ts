import { evaluateDataFilter, evaluateDataFilters } from './evaluateFilters';
import { getAtPath, parsePath } from './paths';

const data = {
  status: 'firing',
  labels: { severity: 'warning', 'app.kubernetes.io/name': 'shop', replicas: '3' },
  alerts: [{ labels: { app: 'first' } }],
};

describe('paths', () => {
  it('reads dotted paths, indexes and bracketed keys', () => {
    expect(getAtPath(data, parsePath('alerts.0.labels.app'))).toBe('first');
    expect(getAtPath(data, parsePath('alerts[0].labels.app'))).toBe('first');
    expect(getAtPath(data, parsePath('labels["app.kubernetes.io/name"]'))).toBe('shop');
    expect(getAtPath(data, parsePath('labels.nope'))).toBeUndefined();
  });
  it('never reaches the prototype chain', () => {
    expect(getAtPath(data, parsePath('labels.constructor'))).toBeUndefined();
    expect(getAtPath(data, parsePath('__proto__'))).toBeUndefined();
  });
  it('rejects malformed paths', () => {
    expect(() => parsePath('labels["x"')).toThrow(/unclosed/);
    expect(() => parsePath('')).toThrow(/empty/);
  });
});

describe('data filters', () => {
  it('matches equality, lists of values and in', () => {
    expect(evaluateDataFilter({ path: 'status', value: 'firing' }, data)).toEqual({ matched: true });
    expect(evaluateDataFilter({ path: 'labels.severity', value: ['page', 'warning'] }, data)).toEqual({ matched: true });
    expect(evaluateDataFilter({ path: 'labels.replicas', value: 3 }, data)).toEqual({ matched: true });
  });

  it('names the field, the actual and the expected values when a filter fails', () => {
    expect(
      evaluateDataFilter({ path: 'labels.severity', in: ['critical', 'page'] }, data),
    ).toEqual({
      matched: false,
      reason: 'data.labels.severity was `warning`, expected one of `critical`, `page`',
    });
    expect(evaluateDataFilter({ path: 'labels.slo', value: 'x' }, data)).toEqual({
      matched: false,
      reason: 'data.labels.slo was missing, expected `x`',
    });
  });

  it('reports the first failing filter of a list', () => {
    expect(
      evaluateDataFilters(
        [
          { path: 'status', value: 'firing' },
          { path: 'labels.severity', value: 'critical' },
          { path: 'labels.slo', value: 'x' },
        ],
        data,
      ),
    ).toEqual({ matched: false, reason: 'data.labels.severity was `warning`, expected `critical`' });
  });
});
