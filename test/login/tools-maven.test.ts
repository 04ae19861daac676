// Maven's login plan (src/login/tools-maven.ts): a larder mirror of `*` and a larder server in
// ~/.m2/settings.xml — a whole file when there is none, new <mirrors>/<servers> before </settings>,
// or inside the existing ones (Maven refuses a second) with the user's other mirrors and an old
// larder server commented out; elements inside XML comments are never taken for real ones. Each
// result is read back with Python's XML parser (where python3 exists), and login → marks out
// gives back the file exactly.
import { execFileSync } from 'node:child_process';
import t from 'tap';
import { mavenPlan, SETTINGS_SKELETON } from '../../src/login/tools-maven.js';
import { PATHS, roundTrip, target, TOKEN } from './helpers.js';

const READ_SETTINGS = `
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
def local(tag): return tag.split('}')[-1]
def kids(el, name): return [c for c in el if local(c.tag) == name]
def text(el, name): return next((c.text for c in el if local(c.tag) == name), None)
out = {'root': local(root.tag), 'mirrors': [], 'servers': [], 'containers': [local(c.tag) for c in root if local(c.tag) in ('mirrors', 'servers')]}
for m in kids(root, 'mirrors'):
    out['mirrors'] += [[text(x, 'id'), text(x, 'mirrorOf'), text(x, 'url')] for x in kids(m, 'mirror')]
for s in kids(root, 'servers'):
    out['servers'] += [[text(x, 'id'), text(x, 'username'), text(x, 'password')] for x in kids(s, 'server')]
print(json.dumps(out))
`;

interface Read {
  root: string;
  mirrors: Array<[string, string, string]>;
  servers: Array<[string, string, string]>;
  containers: string[];
}

/** The settings as an XML parser reads them, or undefined when no python3 is on the PATH. */
function readSettings(text: string): Read | undefined {
  try {
    return JSON.parse(execFileSync('python3', ['-c', READ_SETTINGS], { input: text, encoding: 'utf8' })) as Read;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const hasPython = readSettings('<settings/>') !== undefined;
const URL = 'http://127.0.0.1:7878/maven/default/';
const MIRROR: [string, string, string] = ['larder', '*', URL];
const SERVER: [string, string, string] = ['larder', 'larder', TOKEN];
const edit = mavenPlan(target(), PATHS).edits[0];
if (edit === undefined) throw new Error('no edit');

t.test('no settings.xml (or an empty one): a whole valid file with the namespace', async (t) => {
  t.equal(edit.path, '/home/tester/.m2/settings.xml');
  const absent = roundTrip(t, 'maven', edit, undefined, 'absent', SETTINGS_SKELETON);
  t.match(absent, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<settings xmlns="http:\/\/maven\.apache\.org\/SETTINGS\/1\.2\.0"/);
  t.equal(roundTrip(t, 'maven', edit, '', 'empty', SETTINGS_SKELETON), absent);
  if (hasPython) t.same(readSettings(absent), { root: 'settings', mirrors: [MIRROR], servers: [SERVER], containers: ['mirrors', 'servers'] });
});

t.test('settings without <mirrors> or <servers>: both are added before </settings>', async (t) => {
  const before = '<?xml version="1.0"?>\n<settings>\n    <localRepository>/data/m2</localRepository>\n</settings>\n';
  const after = roundTrip(t, 'maven', edit, before, 'other settings');
  t.match(after, /\n {4}<!-- larder login: begin maven \(larder logout removes this\) -->\n {4}<mirrors>\n {8}<mirror>\n/, "the file's own indentation");
  if (hasPython) t.same(readSettings(after), { root: 'settings', mirrors: [MIRROR], servers: [SERVER], containers: ['mirrors', 'servers'] });
});

const TEMPLATE = `<?xml version="1.0" encoding="UTF-8"?>
<settings xmlns="http://maven.apache.org/SETTINGS/1.2.0">
  <!-- <mirrors><mirror><id>commented</id></mirror></mirrors> -->
  <servers>
    <!-- server
    <server>
      <id>deploymentRepo</id>
    </server>
    -->
    <server>
      <id>larder</id>
      <password>old--token</password>
    </server>
    <server><id>corp</id><username>me</username><password>secret</password></server>
  </servers>
  <mirrors>
    <mirror>
      <id>corp-central</id>
      <mirrorOf>central</mirrorOf>
      <url>http://127.0.0.1:9/central/</url>
    </mirror>
  </mirrors>
</settings>
`;

t.test("existing <servers> and <mirrors>: larder goes inside them; the user's mirrors and an old larder server are commented out", async (t) => {
  const after = roundTrip(t, 'maven', edit, TEMPLATE, 'conflict');
  t.equal(after.match(/<mirrors>/g)?.length, 2, 'no second <mirrors> element: one real, one inside the old comment');
  t.match(after, /<!-- larder login replaced \(maven\): <mirror>\n {6}<id>corp\\-central<\/id>/, 'the corp mirror is commented out (it would win over *)');
  t.match(after, /<!-- larder login replaced \(maven\): <server>\n {6}<id>larder<\/id>\n {6}<password>old\\-\\-token/, 'the old larder server is commented out');
  t.match(after, /\n {4}<server><id>corp<\/id>/, 'the corp server is kept');
  if (hasPython) {
    t.same(readSettings(after), {
      root: 'settings',
      mirrors: [MIRROR],
      servers: [SERVER, ['corp', 'me', 'secret']],
      containers: ['servers', 'mirrors'],
    }, 'an XML parser sees one larder mirror, the larder server and the corp server');
  }
  const crlf = TEMPLATE.replace(/\n/g, '\r\n');
  const afterCrlf = roundTrip(t, 'maven', edit, crlf, 'CRLF');
  t.notMatch(afterCrlf, /[^\r]\n/, 'CRLF lines throughout');
});

t.test('<settings/> and <mirrors/> with nothing inside', async (t) => {
  const empty = '<?xml version="1.0"?>\n<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0"/>\n';
  const after = roundTrip(t, 'maven', edit, empty, 'empty root');
  if (hasPython) t.same(readSettings(after), { root: 'settings', mirrors: [MIRROR], servers: [SERVER], containers: ['mirrors', 'servers'] });
  const selfClosed = '<settings>\n  <mirrors/>\n  <servers></servers>\n</settings>';
  const afterSelfClosed = roundTrip(t, 'maven', edit, selfClosed, 'empty <mirrors/>, no final line break');
  if (hasPython) t.same(readSettings(afterSelfClosed)?.mirrors, [MIRROR]);
});

t.test('a file with no <settings> element is refused with a message naming it', async (t) => {
  t.throws(() => edit.apply('<project></project>\n'), { name: 'LarderError', code: 'E_USAGE', message: /\/home\/tester\/\.m2\/settings\.xml: it has no <settings> element/ });
});

t.test('the notes show the <distributionManagement> a pom needs for mvn deploy', async (t) => {
  const notes = mavenPlan(target('http://cache.lan:7878/', 'team'), PATHS).notes.join('\n');
  t.match(notes, /<distributionManagement>\n {2}<repository>\n {4}<id>larder<\/id>\n {4}<url>http:\/\/cache\.lan:7878\/maven\/team\/<\/url>/);
});
