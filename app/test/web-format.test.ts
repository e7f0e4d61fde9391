// The web UI's pure helpers: how API queries are built and how times are shown.
import { casesSearchParams } from '../web/src/api';
import { duration, fromNow, ladderLabel, percent } from '../web/src/format';

const NOW = Date.parse('2026-11-27T10:00:00Z');

describe('casesSearchParams', () => {
  test('sends only the filters that are set, plus paging and sort', () => {
    const params = casesSearchParams({ engineer: '', product: 'aks', severity: 'A', status: '', since: '', limit: 25, offset: 50, sort: { field: 'slaDeadline', direction: 'asc' } });
    expect(params.toString()).toBe('product=aks&severity=A&limit=25&offset=50&sort=slaDeadline%3Aasc');
  });

  test('an unfiltered query still pins limit, offset and sort', () => {
    const params = casesSearchParams({ limit: 100, offset: 0, sort: { field: 'createdAt', direction: 'desc' } });
    expect(Object.fromEntries(params)).toEqual({ limit: '100', offset: '0', sort: 'createdAt:desc' });
  });
});

describe('time display', () => {
  // Wording comes from the runtime's CLDR data ("in 42 min." / "in 42 min"): match the substance.
  test.each([
    ['2026-11-27T10:42:00Z', /^in 42 min/],
    ['2026-11-27T07:00:00Z', /^3 hr.* ago$/],
    ['2026-11-25T10:00:00Z', /^2 days ago$/],
    ['2026-11-27T10:00:30Z', /^now$/],
  ])('fromNow(%s) matches %s', (iso, expected) => {
    expect(fromNow(iso, NOW)).toMatch(expected);
  });

  test('missing or unparsable times do not throw', () => {
    expect(fromNow(null, NOW)).toBe('—');
    expect(fromNow('not a date', NOW)).toBe('not a date');
  });

  test.each([
    [14 * 60_000, '14m'],
    [(2 * 60 + 5) * 60_000, '2h 05m'],
    [(3 * 24 + 4) * 3_600_000, '3d 4h'],
    [-90 * 60_000, '1h 30m'],
  ])('duration(%d ms) = %s', (ms, expected) => {
    expect(duration(ms)).toBe(expected);
  });
});

test('ladder step and ratios read as words', () => {
  expect(ladderLabel(0)).toBe('0 · strict');
  expect(ladderLabel(1)).toBe('1 · relaxed');
  expect(ladderLabel(null)).toBe('—');
  expect(percent(0.0425)).toBe('4.3 %');
  expect(percent(Number.NaN)).toBe('—');
});
