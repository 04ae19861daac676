// Parsed metadata documents kept by the digest of their text (engine/decoded-documents.ts).
import t from 'tap';
import { DecodedDocuments } from '../../src/engine/decoded-documents.js';
import { npmProtocol } from '../../src/formats/npm/protocol.js';

const body = (version: string): string => JSON.stringify({ name: 'x', 'dist-tags': { latest: version }, versions: { [version]: { name: 'x', version, dist: { shasum: 'a'.repeat(40) } } } });

t.test('the same text is parsed once; other text, other package or no digest parse anew', async (t) => {
  const decoded = new DecodedDocuments(1024 * 1024);
  const first = decoded.decode(npmProtocol, 'x', body('1.0.0'), 'digest-1');
  t.equal(decoded.decode(npmProtocol, 'x', body('1.0.0'), 'digest-1'), first, 'the very same object');
  t.same(first['dist-tags'], { latest: '1.0.0' });
  const second = decoded.decode(npmProtocol, 'x', body('2.0.0'), 'digest-2');
  t.not(second, first);
  t.same(second['dist-tags'], { latest: '2.0.0' }, 'another digest is another document');
  t.not(decoded.decode(npmProtocol, 'x', body('1.0.0'), ''), decoded.decode(npmProtocol, 'x', body('1.0.0'), ''), 'no digest: never kept');
});

t.test('bounded by the length of the texts held, oldest out first', async (t) => {
  const text = body('1.0.0');
  const decoded = new DecodedDocuments(text.length * 5);
  const kept = decoded.decode(npmProtocol, 'x', text, 'd0');
  for (let i = 1; i <= 5; i += 1) decoded.decode(npmProtocol, 'x', text, `d${i}`);
  t.not(decoded.decode(npmProtocol, 'x', text, 'd0'), kept, 'pushed out by newer ones');
  const big = new DecodedDocuments(text.length * 3);
  t.not(big.decode(npmProtocol, 'x', text, 'big'), big.decode(npmProtocol, 'x', text, 'big'), 'a text over a quarter of the budget is not kept');
});
