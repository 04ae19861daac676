import t from 'tap';
import { formatDuration, formatSize, parseDuration, parseSize } from '../../src/config/units.js';

t.test('durations: a number is seconds, strings carry a unit', async (t) => {
  const cases: [unknown, number][] = [
    [40, 40_000],
    [0.5, 500],
    [0, 0],
    ['500ms', 500],
    ['40s', 40_000],
    ['10m', 600_000],
    ['3h', 10_800_000],
    ['1d', 86_400_000],
    ['1.5s', 1500],
    [' 2m ', 120_000],
  ];
  for (const [input, ms] of cases) t.same(parseDuration(input), { ok: true, value: ms }, JSON.stringify(input));
});

t.test('durations: wrong spellings are explained, not thrown', async (t) => {
  for (const input of ['40', '10 minutes', '-1s', '1w', 'ms', -3, Number.NaN, true, null, [1], { s: 1 }]) {
    const parsed = parseDuration(input);
    t.equal(parsed.ok, false, JSON.stringify(input));
    if (!parsed.ok) t.match(parsed.message, /expected a number of seconds or a string such as "500ms"/);
  }
});

t.test('sizes: a number is bytes, strings carry a unit', async (t) => {
  const cases: [unknown, number][] = [
    [1024, 1024],
    ['64MiB', 64 * 1024 * 1024],
    ['512KiB', 512 * 1024],
    ['1GiB', 1024 ** 3],
    ['1gib', 1024 ** 3],
    ['10MB', 10_000_000],
    ['100B', 100],
    ['1.5KiB', 1536],
  ];
  for (const [input, bytes] of cases) t.same(parseSize(input), { ok: true, value: bytes }, JSON.stringify(input));
  for (const input of ['64', '64 megabytes', 1.5, -1, 'MiB', false]) {
    t.equal(parseSize(input).ok, false, JSON.stringify(input));
  }
});

t.test('formatting picks the largest exact unit and round-trips', async (t) => {
  t.equal(formatDuration(600_000), '10m');
  t.equal(formatDuration(10_800_000), '3h');
  t.equal(formatDuration(40_000), '40s');
  t.equal(formatDuration(1500), '1500ms');
  t.equal(formatDuration(0), '0ms');
  t.equal(formatSize(64 * 1024 * 1024), '64MiB');
  t.equal(formatSize(1000), '1000B');
  for (const ms of [1, 999, 61_000, 86_400_000 * 2]) t.same(parseDuration(formatDuration(ms)), { ok: true, value: ms });
  for (const bytes of [1, 1536, 3 * 1024 ** 3]) t.same(parseSize(formatSize(bytes)), { ok: true, value: bytes });
});
