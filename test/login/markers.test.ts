// How login marks its lines (src/login/markers.ts): every kind of insertion and every commented-out
// range comes out again byte for byte by the marks alone — with or without a final line break,
// CRLF files, XML comments that must not contain `--` — and one tool's removal leaves another's.
import t from 'tap';
import { appendBlock, applyChanges, beginMarker, endMarker, removeLoginChanges, type TextChanges } from '../../src/login/markers.js';

const body = ['key=value', 'other=thing'];

t.test('an appended block comes out exactly, whatever the file ends with', async (t) => {
  for (const text of ['', 'a=1', 'a=1\n', 'a=1\r\nb=2\r\n', '\n', 'a=1\n\n']) {
    const after = applyChanges(text, 'npm', '#', { insertions: [appendBlock(text, body)], disablings: [] });
    t.ok(after.includes(`${beginMarker('#', 'npm')}`), `${JSON.stringify(text)}: begin marker written`);
    t.ok(after.includes('key=value'), `${JSON.stringify(text)}: block written`);
    if (text.endsWith('\n')) t.ok(after.endsWith(text.endsWith('\r\n') ? '\r\n' : '\n'), `${JSON.stringify(text)}: still ends with its line break`);
    if (text.includes('\r\n')) t.notMatch(after, /[^\r]\n/, 'a CRLF file gets CRLF lines');
    t.same(removeLoginChanges(after, 'npm', '#'), { text, blocks: 1, restored: 0 }, `${JSON.stringify(text)}: removed exactly`);
  }
});

t.test('a block at the start of a file, before its first line, comes out exactly', async (t) => {
  const text = '[section]\nx=1\n';
  const after = applyChanges(text, 'npm', '#', { insertions: [{ at: 0, lines: body, before: true }], disablings: [] });
  t.equal(after, `${beginMarker('#', 'npm')}\nkey=value\nother=thing\n${endMarker('#', 'npm')}\n[section]\nx=1\n`);
  t.equal(removeLoginChanges(after, 'npm', '#').text, text);
});

t.test('commented-out lines come back exactly, CRLF and multi-line values included', async (t) => {
  const text = 'a=1\r\nindex-servers =\r\n    pypi\r\nb=2\r\n';
  const start = text.indexOf('index-servers');
  const end = text.indexOf('pypi') + 'pypi'.length;
  const changes: TextChanges = { insertions: [appendBlock(text, ['index-servers = larder'])], disablings: [{ start, end }] };
  const after = applyChanges(text, 'twine', '#', changes);
  t.match(after, /^# larder login replaced \(twine\): index-servers =\r\n# larder login replaced \(twine\): {5}pypi\r\n/m, 'every line of the value is commented out');
  t.same(removeLoginChanges(after, 'twine', '#'), { text, blocks: 1, restored: 2 });
});

t.test('XML: a commented-out element holds no `--`, and comes back exactly', async (t) => {
  const text = '<mirrors>\n  <mirror><id>a--b</id><url>http://x/-</url></mirror>\n</mirrors>\n';
  const start = text.indexOf('<mirror>');
  const end = text.indexOf('</mirror>') + '</mirror>'.length;
  const after = applyChanges(text, 'maven', 'xml', { insertions: [{ at: text.indexOf('<mirrors>') + 9, lines: ['<mirror/>'], indent: '  ' }], disablings: [{ start, end }] });
  for (const comment of after.match(/<!--[\s\S]*?-->/g) ?? []) t.notMatch(comment.slice(4, -3), /--/, `no -- inside ${comment}`);
  t.same(removeLoginChanges(after, 'maven', 'xml'), { text, blocks: 1, restored: 1 });
});

t.test("one tool's removal leaves another tool's block, and the user's edits elsewhere", async (t) => {
  const text = 'fund=false\n';
  const npm = applyChanges(text, 'npm', '#', { insertions: [appendBlock(text, ['registry=http://a/'])], disablings: [] });
  const both = applyChanges(npm, 'pnpm', '#', { insertions: [appendBlock(npm, ['registry=http://a/'])], disablings: [] });
  const edited = `# mine\n${both}save-exact=true\n`;
  const withoutNpm = removeLoginChanges(edited, 'npm', '#');
  t.equal(withoutNpm.blocks, 1);
  t.ok(withoutNpm.text.includes(beginMarker('#', 'pnpm')), "pnpm's block stays");
  t.equal(removeLoginChanges(withoutNpm.text, 'pnpm', '#').text, `# mine\n${text}save-exact=true\n`, 'both out: the user edits stay');
  t.same(removeLoginChanges(text, 'npm', '#'), { text, blocks: 0, restored: 0 }, 'nothing marked: nothing changes');
});
