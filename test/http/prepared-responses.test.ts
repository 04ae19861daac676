// The prepared metadata answers (issue 6): kept only while every input holds, bounded by bytes.
import t from 'tap';
import { PreparedResponses, bodyEtag, type PreparedResponse } from '../../src/http/prepared-responses.js';

function response(text: string): PreparedResponse {
  const body = Buffer.from(text);
  return { body, etag: bodyEtag(body), contentType: 'application/json', headers: {} };
}

function setup(maxBytes = 1_000_000) {
  let now = 1_000;
  const prepared = new PreparedResponses({ maxBytes, now: () => now });
  return { prepared, config: {}, advance: (ms: number) => (now += ms) };
}

t.test('a kept response is ready until its freshness ends', async (t) => {
  const { prepared, config, advance } = setup();
  const first = prepared.lookup('k', 'npm', 'pkg', config);
  t.equal(first.ready, undefined, 'nothing yet');
  const doc = response('{"a":1}');
  prepared.keep(first.ticket, doc, 1_500);
  t.equal(prepared.lookup('k', 'npm', 'pkg', config).ready, doc);
  advance(499);
  t.equal(prepared.lookup('k', 'npm', 'pkg', config).ready, doc, 'still fresh 1 ms before');
  advance(1);
  t.equal(prepared.lookup('k', 'npm', 'pkg', config).ready, undefined, 'gone when the upstream copy expires');
  t.equal(prepared.bytes, 0, 'and its bytes freed');
});

t.test('a change to its package drops it, even one during the build', async (t) => {
  const { prepared, config } = setup();
  const doc = response('{}');
  prepared.keep(prepared.lookup('k', 'npm', 'pkg', config).ticket, doc, Number.POSITIVE_INFINITY);
  prepared.changed('npm', 'other');
  t.equal(prepared.lookup('k', 'npm', 'pkg', config).ready, doc, 'another package changing is nothing to it');
  prepared.changed('pypi', 'pkg');
  t.equal(prepared.lookup('k', 'npm', 'pkg', config).ready, doc, 'nor the same name in another format');
  prepared.changed('npm', 'pkg');
  t.equal(prepared.lookup('k', 'npm', 'pkg', config).ready, undefined, 'its own package changing drops it');

  const ticket = prepared.lookup('k', 'npm', 'pkg', config).ticket;
  prepared.changed('npm', 'pkg'); // a write lands while the response is being built
  prepared.keep(ticket, doc, Number.POSITIVE_INFINITY);
  t.equal(prepared.lookup('k', 'npm', 'pkg', config).ready, undefined, 'a response built across a change is never kept');
});

t.test('a reload (another config object) drops it; stale or failed views are never kept', async (t) => {
  const { prepared, config } = setup();
  prepared.keep(prepared.lookup('k', 'npm', 'pkg', config).ticket, response('{}'), Number.POSITIVE_INFINITY);
  t.equal(prepared.lookup('k', 'npm', 'pkg', {}).ready, undefined);
  prepared.keep(prepared.lookup('k', 'npm', 'pkg', config).ticket, response('{}'), undefined);
  t.equal(prepared.lookup('k', 'npm', 'pkg', config).ready, undefined, 'no freshness: not kept');
  prepared.keep(prepared.lookup('k', 'npm', 'pkg', config).ticket, response('{}'), 1_000);
  t.equal(prepared.lookup('k', 'npm', 'pkg', config).ready, undefined, 'already expired: not kept');
});

t.test('bounded by bytes: least recently used out first; one huge answer is not kept', async (t) => {
  const { prepared, config } = setup(400);
  const keep = (key: string, size: number): void => prepared.keep(prepared.lookup(key, 'npm', key, config).ticket, response('x'.repeat(size)), Number.POSITIVE_INFINITY);
  keep('a', 99);
  keep('b', 99);
  keep('c', 99);
  t.ok(prepared.lookup('a', 'npm', 'a', config).ready, 'a used: now the most recent');
  keep('d', 99);
  keep('e', 99);
  t.ok(prepared.bytes <= 400, `within the bound (${prepared.bytes} bytes)`);
  t.equal(prepared.lookup('b', 'npm', 'b', config).ready, undefined, 'b, least recently used, went first');
  t.ok(prepared.lookup('a', 'npm', 'a', config).ready, 'a stayed');
  t.ok(prepared.lookup('e', 'npm', 'e', config).ready);
  keep('huge', 150);
  t.equal(prepared.lookup('huge', 'npm', 'huge', config).ready, undefined, 'over a quarter of the bound: never kept');
});
