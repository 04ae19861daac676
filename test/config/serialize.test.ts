import t from 'tap';
import { parse } from 'yaml';
import { PUBLIC_CONNECTION_URLS } from '../../src/config/public-connections.js';
import { configToYaml, NPM_REGISTRY_AT_RUN_TIME } from '../../src/config/serialize.js';
import { validYaml } from './helpers.js';

t.test('the embedded default, shown, mentions where npm comes from', async (t) => {
  const text = configToYaml(validYaml(''));
  t.match(text, `external: public:npmjs # ${NPM_REGISTRY_AT_RUN_TIME}`);
  t.match(text, `external: public:pypi # ${PUBLIC_CONNECTION_URLS['public:pypi']}`);
  t.match(text, 'maxMetadataSize: 64MiB');
  t.match(text, 'bodyTimeout: 1m');
  t.notMatch(text, /^defaults:/m, 'defaults are already applied to each repository');
});

t.test('what show prints is a config that loads to the same thing', async (t) => {
  const original = validYaml(`
listen: { host: 0.0.0.0, port: 0 }
auth: { required: true }
dataDir: /srv/larder
offline: true
log: { level: debug }
upstream: { connectTimeout: 1500ms, retries: 0 }
limits: { maxMetadataSize: 1000 }
defaults: { refresh: blocking, metadataTtl: { npm: 0 } }
repositories:
  front: { description: "the one to use", upstreams: [corp, npm] }
  corp: { external: { format: npm, url: "https://npm.corp.example/r/" }, ingestionDeadline: 5s }
  npm: { external: public:npmjs, metadataTtl: { npm: 90s } }
`);
  const shown = configToYaml(original);
  t.same(validYaml(shown), original);
  const document = parse(shown) as { repositories: Record<string, { external?: unknown }> };
  t.same(document.repositories.corp?.external, { format: 'npm', url: 'https://npm.corp.example/r/' });
  t.equal(document.repositories.npm?.external, 'public:npmjs');
});
