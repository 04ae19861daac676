import t from 'tap';
import { decodeEntities, escapeHtml, scanHtml } from '../../../src/formats/pypi/index.js';

const anchors = (html: string): Array<[string | undefined, string]> => scanHtml(html).anchors.map((anchor) => [anchor.attrs.get('href'), anchor.text]);

t.test('decodeEntities', async (t) => {
  const table: Array<[string, string]> = [
    ['&amp; &lt; &gt; &quot; &#39; &apos;', `& < > " ' '`],
    ['&#62;=3 &#x3E;=3 &#X3e;', '>=3 >=3 >'],
    ['a&nbsp;b', 'a\u00a0b'],
    ['&#0; &#xD800; &#x110000;', '\ufffd \ufffd \ufffd'],
    ['&unknown; &amp &#; &#x;', '&unknown; &amp &#; &#x;'],
    ['&amp;lt;', '&lt;'], // decoded once, not twice
    ['no entities', 'no entities'],
  ];
  for (const [raw, decoded] of table) t.equal(decodeEntities(raw), decoded, raw);
});

t.test('escapeHtml round-trips through decodeEntities', async (t) => {
  const text = `<a href="x">&'</a>`;
  t.equal(escapeHtml(text), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
  t.equal(decodeEntities(escapeHtml(text)), text);
});

t.test('the scanner tolerates broken markup', async (t) => {
  t.same(anchors('<a href="a.tar.gz">a</a><a href=\'b\'>b'), [['a.tar.gz', 'a'], ['b', 'b']], 'unclosed anchor ends at the end');
  t.same(anchors('<a href="x"><a href="y">y</a>'), [['x', ''], ['y', 'y']], 'an anchor inside an anchor closes the first');
  t.same(anchors('<a href="x>y" title=\'1 > 0\'>t</a>'), [['x>y', 't']], '">" inside quotes');
  t.same(anchors('<a href="unterminated>t</a>'), [['unterminated>t</a>', '']], 'an unterminated quote runs to the end');
  t.same(anchors('<a "stray" = href=x =>t</a>'), [['x', 't']], 'stray quotes and "=" are skipped');
  t.same(anchors('<a href=x>1 < 2 <> 3</a>'), [['x', '1 < 2 <> 3']], 'a literal "<" in text');
  t.same(anchors('<a href=x><b>bold</b> &amp; <i>it</i></a>'), [['x', 'bold & it']], 'tags inside removed, entities decoded');
  t.same(anchors('<!-- <a href=x>no</a> --><a href=y>yes</a>'), [['y', 'yes']], 'comments skipped');
  t.same(anchors('<!-- <a href=x>never closed'), [], 'an unclosed comment runs to the end');
  t.same(anchors('<?xml version="1.0"?><!DOCTYPE html><a href=y>y</a>'), [['y', 'y']], 'declarations skipped');
  t.same(anchors('<!DOCTYPE html'), [], 'an unclosed declaration');
  t.same(anchors('<script>if (a<b) document.write("<a href=x>")</SCRIPT><a href=y>y</a>'), [['y', 'y']], 'script is raw text');
  t.same(anchors('<style>a<b{}</style><a href=y>y</a><script>'), [['y', 'y']], 'style too; an unclosed script ends the scan');
  t.same(anchors('<a HREF=x href=y data-yanked>t</a>'), [['x', 't']], 'the first duplicate wins');
  t.equal(scanHtml('<a data-yanked>t</a>').anchors[0]?.attrs.get('data-yanked'), '', 'a valueless attribute is ""');
  t.same(anchors('<a/href=x/>t</a>'), [['x/', 't']], '"/" separates attributes; unquoted values keep theirs');
  t.same(anchors('<a href=x'), [['x', '']], 'a tag cut off at the end');
});

t.test('base and meta', async (t) => {
  const scan = scanHtml('<base target=_blank><base href="http://a.invalid/&amp;/"><base href="http://b.invalid/"><meta name="PyPI:Repository-Version" content="1.3"><meta name="pypi:repository-version" content="9.9"><meta name="nocontent">');
  t.equal(scan.baseHref, 'http://a.invalid/&/', 'the first base with an href, decoded');
  t.same([...scan.metas], [['pypi:repository-version', '1.3']], 'names lowercased, the first wins, content required');
});
