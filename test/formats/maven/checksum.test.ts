import { createHash } from 'node:crypto';
import t from 'tap';
import {
  CHECKSUM_ALGORITHMS,
  CHECKSUM_SUFFIXES,
  contentTypeFor,
  parseChecksumFile,
  siblingAssetNames,
  splitChecksumSuffix,
  type ChecksumAlgorithm,
} from '../../../src/formats/maven/checksum.js';

const hex = (algorithm: ChecksumAlgorithm, text: string): string => createHash(algorithm).update(text).digest('hex');

t.test('parseChecksumFile reads every style Maven repositories hold', async (t) => {
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const digest = hex(algorithm, 'junit-4.13.2.jar');
    const upper = digest.toUpperCase();
    const styles: Array<[string, string]> = [
      [digest, 'bare hex (what Maven writes)'],
      [`${digest}\n`, 'bare hex and a newline'],
      [`${upper}\r\n`, 'uppercase, CRLF'],
      [`  ${digest}  `, 'padded'],
      [`\n\n${digest}\n`, 'leading blank lines'],
      [`\uFEFF${digest}`, 'a BOM'],
      [`${digest}  junit-4.13.2.jar\n`, 'HEX  filename (sha1sum)'],
      [`${digest} *junit-4.13.2.jar\n`, 'HEX *filename (binary mode)'],
      [`${digest}  /home/builder/.m2/repository/junit/junit/4.13.2/junit-4.13.2.jar`, 'HEX and an absolute path'],
      [`${algorithm.toUpperCase()} (junit-4.13.2.jar) = ${digest}\n`, 'BSD tagged'],
      [`${algorithm.toUpperCase()}(junit-4.13.2.jar)= ${upper}`, 'openssl tagged'],
      [`${digest}\nsomething else on line two`, 'only the first line counts'],
    ];
    for (const [text, label] of styles) t.equal(parseChecksumFile(text, algorithm), digest, `${algorithm}: ${label}`);
  }
});

t.test('parseChecksumFile refuses what holds no digest of the right length', async (t) => {
  const sha1 = hex('sha1', 'x');
  const cases: Array<[string, ChecksumAlgorithm, string]> = [
    ['', 'sha1', 'empty'],
    ['\n  \n', 'sha1', 'blank'],
    [sha1, 'md5', 'a sha1 read as md5'],
    [sha1, 'sha256', 'a sha1 read as sha256'],
    [hex('md5', 'x'), 'sha1', 'an md5 read as sha1'],
    [`${sha1}0`, 'sha1', 'one digit too many'],
    [sha1.slice(1), 'sha1', 'one digit short'],
    [`${sha1.slice(0, 39)}g`, 'sha1', 'not hex'],
    ['<html><body>404 Not Found</body></html>', 'sha1', 'an error page'],
    [`junit-4.13.2.jar  ${sha1}`, 'sha1', 'file name first'],
    [`SHA1 (junit.jar) = ${sha1.slice(2)}`, 'sha1', 'tagged, wrong length'],
    [`\n${'x'.repeat(40)}`, 'sha1', 'forty non-hex characters'],
  ];
  for (const [text, algorithm, label] of cases) t.equal(parseChecksumFile(text, algorithm), undefined, label);
});

t.test('splitChecksumSuffix', async (t) => {
  t.same(CHECKSUM_SUFFIXES, { md5: '.md5', sha1: '.sha1', sha256: '.sha256', sha512: '.sha512' });
  t.same(splitChecksumSuffix('a-1.jar.sha1'), { name: 'a-1.jar', checksum: 'sha1' });
  t.same(splitChecksumSuffix('a-1.jar.sha256'), { name: 'a-1.jar', checksum: 'sha256' });
  t.same(splitChecksumSuffix('a-1.jar.sha512'), { name: 'a-1.jar', checksum: 'sha512' });
  t.same(splitChecksumSuffix('maven-metadata.xml.md5'), { name: 'maven-metadata.xml', checksum: 'md5' });
  t.same(splitChecksumSuffix('a-1.jar'), { name: 'a-1.jar' });
  t.same(splitChecksumSuffix('.sha1'), { name: '.sha1' }, 'a bare suffix names no file');
  t.same(splitChecksumSuffix('a-1.jar.SHA1'), { name: 'a-1.jar.SHA1' }, 'suffixes are lowercase');
});

t.test('siblingAssetNames: the standard assets of a release version', async (t) => {
  t.same(siblingAssetNames('guava', '33.0.0-jre'), [
    'guava-33.0.0-jre.pom',
    'guava-33.0.0-jre.jar',
    'guava-33.0.0-jre-sources.jar',
    'guava-33.0.0-jre-javadoc.jar',
    'guava-33.0.0-jre.module',
  ]);
  t.same(siblingAssetNames('demo', '1.1-SNAPSHOT'), [], 'SNAPSHOT files have no stable names');
});

t.test('contentTypeFor', async (t) => {
  const types: Array<[string, string]> = [
    ['junit-4.13.2.pom', 'text/xml'],
    ['maven-metadata.xml', 'text/xml'],
    ['junit-4.13.2.jar', 'application/java-archive'],
    ['junit-4.13.2-sources.jar', 'application/java-archive'],
    ['app-1.0.war', 'application/java-archive'],
    ['guava-33.0.0-jre.module', 'application/json'],
    ['junit-4.13.2.jar.asc', 'application/pgp-signature'],
    ['junit-4.13.2.jar.sha1', 'text/plain'],
    ['junit-4.13.2.jar.md5', 'text/plain'],
    ['junit-4.13.2.pom.sha256', 'text/plain'],
    ['junit-4.13.2.jar.asc.sha512', 'text/plain'],
    ['dist-1.0-bin.zip', 'application/zip'],
    ['dist-1.0-bin.tar.gz', 'application/gzip'],
    ['lib-1.0.aar', 'application/octet-stream'],
    ['lib-1.0.so', 'application/octet-stream'],
    ['LIB-1.0.JAR', 'application/java-archive'],
  ];
  for (const [name, type] of types) t.equal(contentTypeFor(name), type, name);
});
