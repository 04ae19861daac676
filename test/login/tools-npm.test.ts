// The npm family's login plans (src/login/tools-npm.ts) as text in, text out: the user npmrc for
// npm and pnpm, ~/.yarnrc.yml, ~/.yarnrc and the npmrc token line for yarn — on an absent file, an
// empty one, one with other settings, one with a conflicting setting (commented out, and back
// after logout), and each time login → marks out gives back the file exactly.
import t from 'tap';
import { parse } from 'yaml';
import { npmPlan, yarnPlan } from '../../src/login/tools-npm.js';
import { editFor, PATHS, roundTrip, target, TOKEN } from './helpers.js';

const BEGIN = '# larder login: begin npm (larder logout removes this)';
const END = '# larder login: end npm';
const NERF = '//127.0.0.1:7878/npm/default/';

t.test('npm: registry and token, in npm nerf-dart form, on an absent or empty npmrc', async (t) => {
  const [edit] = npmPlan('npm', target(), PATHS).edits;
  if (edit === undefined) throw new Error('no edit');
  t.equal(edit.path, '/home/tester/.npmrc');
  const expected = `${BEGIN}\nregistry=http://127.0.0.1:7878/npm/default/\n${NERF}:_authToken=${TOKEN}\n${END}\n`;
  t.equal(roundTrip(t, 'npm', edit, undefined, 'absent'), expected, 'absent: exactly the block');
  t.equal(roundTrip(t, 'npm', edit, '', 'empty'), expected, 'empty: exactly the block');
});

t.test('npm: other settings stay; the block goes before the first [section]', async (t) => {
  const [edit] = npmPlan('npm', target(), PATHS).edits;
  if (edit === undefined) throw new Error('no edit');
  const other = 'fund=false\nsave-exact=true\n';
  const after = roundTrip(t, 'npm', edit, other, 'other settings');
  t.ok(after.startsWith(other), 'the user lines come first, untouched');
  t.ok(after.endsWith(`${END}\n`), 'the block is appended');

  const sectioned = 'fund=false\n[some-section]\nregistry=http://in-a-section/\n';
  const inSection = roundTrip(t, 'npm', edit, sectioned, 'sections');
  t.ok(inSection.indexOf(END) < inSection.indexOf('[some-section]'), 'top-level keys precede the first section');
  t.ok(inSection.includes('\nregistry=http://in-a-section/\n'), "a section's own registry is not touched");
});

t.test('npm: an earlier registry and token for the same registry are commented out, and come back', async (t) => {
  const [edit] = npmPlan('npm', target(), PATHS).edits;
  if (edit === undefined) throw new Error('no edit');
  const conflicting = `registry = http://127.0.0.1:9/\n${NERF}:_authToken=old-token\n//other.host/:_authToken=keep\n`;
  const after = roundTrip(t, 'npm', edit, conflicting, 'conflict');
  t.ok(after.includes('# larder login replaced (npm): registry = http://127.0.0.1:9/\n'), 'the old registry line is commented out with a recognisable prefix');
  t.ok(after.includes(`# larder login replaced (npm): ${NERF}:_authToken=old-token\n`), 'the old token for that registry too');
  t.ok(after.includes('\n//other.host/:_authToken=keep\n'), "another registry's token is left alone");
  t.equal(after.match(/^registry=/gm)?.length, 1, 'one live registry= line');
});

t.test('pnpm writes the same settings under its own marks, and leaves npm\'s block alone', async (t) => {
  const [npm] = npmPlan('npm', target(), PATHS).edits;
  const [pnpm] = npmPlan('pnpm', target(), PATHS).edits;
  if (npm === undefined || pnpm === undefined) throw new Error('no edit');
  const afterNpm = npm.apply('fund=false\n');
  const afterBoth = roundTrip(t, 'pnpm', pnpm, afterNpm, 'pnpm over npm');
  t.ok(afterBoth.startsWith(afterNpm.slice(0, -1)), "npm's block is not touched by pnpm's login");
  t.match(afterBoth, /# larder login: begin pnpm \(larder logout removes this\)\nregistry=http:\/\/127\.0\.0\.1:7878\/npm\/default\//);
});

t.test('yarn: berry settings in .yarnrc.yml, the registry in .yarnrc, the token in the npmrc', async (t) => {
  const plan = yarnPlan(target('http://127.0.0.1:7878/', 'team'), PATHS);
  t.same(plan.edits.map((edit) => edit.path), ['/home/tester/.yarnrc.yml', '/home/tester/.yarnrc', '/home/tester/.npmrc']);
  const yml = roundTrip(t, 'yarn', editFor(plan.edits, PATHS.yarnrcYml), undefined, '.yarnrc.yml absent');
  t.same(parse(yml), {
    npmRegistryServer: 'http://127.0.0.1:7878/npm/team',
    npmAuthToken: TOKEN,
    npmAlwaysAuth: true,
    unsafeHttpWhitelist: ['127.0.0.1'],
  }, 'berry reads the registry (no trailing slash), the token, always-auth and the http host');
  const classic = roundTrip(t, 'yarn', editFor(plan.edits, PATHS.yarnrc), '', '.yarnrc empty');
  t.match(classic, /^registry "http:\/\/127\.0\.0\.1:7878\/npm\/team\/"$/m);
  const npmrc = roundTrip(t, 'yarn', editFor(plan.edits, PATHS.npmrc), 'fund=false\n', 'npmrc other settings');
  t.match(npmrc, /^\/\/127\.0\.0\.1:7878\/npm\/team\/:_authToken=lt1\./m, 'the token line for yarn classic');
  t.notMatch(npmrc, /^registry=/m, "yarn does not change npm's registry");
});

t.test('yarn: earlier settings are commented out; the hosts the user allowed over http are kept', async (t) => {
  const plan = yarnPlan(target(), PATHS);
  const before = 'nodeLinker: node-modules\nnpmRegistryServer: "https://old.example"\nunsafeHttpWhitelist:\n  - localhost\n  - "*.lan"\nenableTelemetry: false\n';
  const after = roundTrip(t, 'yarn', editFor(plan.edits, PATHS.yarnrcYml), before, '.yarnrc.yml conflict');
  const document = parse(after) as Record<string, unknown>;
  t.equal(document.npmRegistryServer, 'http://127.0.0.1:7878/npm/default', 'one registry, larder (a duplicate key would not parse)');
  t.same(document.unsafeHttpWhitelist, ['localhost', '*.lan', '127.0.0.1'], "the user's hosts and larder's");
  t.equal(document.nodeLinker, 'node-modules');
  t.equal(document.enableTelemetry, false);
  const classic = roundTrip(t, 'yarn', editFor(plan.edits, PATHS.yarnrc), 'registry "https://old.example/"\nprefix "~/.yarn"\n', '.yarnrc conflict');
  t.match(classic, /^# larder login replaced \(yarn\): registry "https:\/\/old\.example\/"$/m);

  const https = yarnPlan(target('https://larder.example/'), PATHS);
  t.notMatch(editFor(https.edits, PATHS.yarnrcYml).apply(undefined), /unsafeHttpWhitelist/, 'https needs no http allowance');
});
