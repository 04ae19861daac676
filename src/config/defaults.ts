/**
 * The embedded default configuration, used when no file is given and as the base that a config
 * file's values are laid over (every key a file leaves out keeps the value below). It is YAML
 * text so that config.example.yaml can show exactly the same thing; a test holds them equal.
 * `dataDir` is absent on purpose: it is computed from the environment (data-dir.ts).
 */
import { parse } from 'yaml';
import { LarderError } from '../errors.js';
import { isPlainObject } from './problems.js';

export const DEFAULT_CONFIG_YAML = `\
listen:
  host: 127.0.0.1
  port: 7878
auth:
  required: false
offline: false
log:
  level: info
upstream:
  connectTimeout: 10s
  headersTimeout: 30s
  bodyTimeout: 60s
  retries: 1
  breakerThreshold: 3
  breakerCooldown: 30s
limits:
  maxMetadataSize: 64MiB
defaults:
  metadataTtl:
    npm: 10m
    pypi: 30m
    maven: 3h
  refresh: background
  ingestionDeadline: 40s
  notFoundTtl: 10m
  prefetch: true
repositories:
  default:
    description: Everything larder serves, searched in this order
    upstreams:
      - npm-store
      - pypi-store
      - maven-central-store
      - google-android-store
      - gradle-plugins-store
      - commonsware-store
  npm-store:
    description: npm packages from the registry npm itself is configured with
    external: public:npmjs
  pypi-store:
    description: Python packages from the Python Package Index
    external: public:pypi
  maven-central-store:
    description: Maven artifacts from Maven Central
    external: public:maven-central
  google-android-store:
    description: Android artifacts from Google's Maven repository
    external: public:maven-googleandroid
  gradle-plugins-store:
    description: Gradle plugins from the Gradle plugin portal
    external: public:maven-gradleplugins
  commonsware-store:
    description: Android libraries from the CommonsWare repository
    external: public:maven-commonsware
`;

let parsed: Readonly<Record<string, unknown>> | undefined;

/** The default as a plain document (parsed once; callers must not mutate it). */
export function defaultDocument(): Readonly<Record<string, unknown>> {
  if (parsed === undefined) {
    const value: unknown = parse(DEFAULT_CONFIG_YAML);
    if (!isPlainObject(value)) throw new LarderError('E_INTERNAL', 'the embedded default config is not a mapping', { operation: 'config.defaults' });
    parsed = value;
  }
  return parsed;
}
