/**
 * The Maven artifacts test/fixtures/lockfiles/make-maven-fixtures.ts served to the real
 * `mvn dependency:list` that wrote maven/dependency-list.txt. That generator keeps them inline
 * (it exports nothing but makeMavenFixtures), so they are COPIED here: keep the two in step.
 * The npm and PyPI specs are exported by their generators (NPM_PACKAGES, PYPI_PROJECTS) and are
 * imported from there, not copied. The generator's `from: ~/.m2/repository` (the dependency
 * plugin's own files) is not part of what the lockfiles list, so it is left out.
 */
import type { FakeMavenArtifactSpec } from '../helpers/fake-maven.js';

export const MAVEN_ARTIFACTS: FakeMavenArtifactSpec[] = [
  { groupId: 'com.acme', artifactId: 'util', versions: { '0.9.1': {} } },
  { groupId: 'com.acme', artifactId: 'core', versions: { '1.2.0': { sources: true, dependencies: [{ groupId: 'com.acme', artifactId: 'util', version: '0.9.1' }] } } },
  { groupId: 'com.acme', artifactId: 'platform', versions: { '3.0': { packaging: 'pom' } } },
  { groupId: 'com.acme', artifactId: 'testkit', versions: { '2.0': {} } },
  { groupId: 'com.acme', artifactId: 'driver', versions: { '5.1': {} } },
  { groupId: 'org.example', artifactId: 'opt-lib', versions: { '1.0': {} } },
];
