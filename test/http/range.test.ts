// Range header parsing (RFC 9110 §14): one range served, anything unusable ignored.
import t from 'tap';
import { parseRange } from '../../src/http/range.js';

t.test('ranges', async (t) => {
  t.same(parseRange(undefined, 100), { kind: 'none' });
  t.same(parseRange('bytes=0-9', 100), { kind: 'range', start: 0, end: 9 });
  t.same(parseRange('bytes=90-', 100), { kind: 'range', start: 90, end: 99 });
  t.same(parseRange('bytes=90-500', 100), { kind: 'range', start: 90, end: 99 }, 'clamped to the end');
  t.same(parseRange('bytes=-10', 100), { kind: 'range', start: 90, end: 99 }, 'suffix');
  t.same(parseRange('bytes=-500', 100), { kind: 'range', start: 0, end: 99 }, 'suffix longer than the body');
  t.same(parseRange('bytes=100-', 100), { kind: 'unsatisfiable' });
  t.same(parseRange('bytes=-0', 100), { kind: 'unsatisfiable' });
  t.same(parseRange('bytes=-5', 0), { kind: 'unsatisfiable' }, 'an empty body has no byte to send');
  t.same(parseRange('bytes=0-0', 0), { kind: 'unsatisfiable' });
  t.same(parseRange('bytes=5-3', 100), { kind: 'none' }, 'an invalid range-spec is ignored');
  t.same(parseRange('bytes=0-1,5-6', 100), { kind: 'none' }, 'several ranges: the whole body');
  t.same(parseRange('items=0-1', 100), { kind: 'none' });
  t.same(parseRange('bytes=-', 100), { kind: 'none' });
});
