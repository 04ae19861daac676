/**
 * Where each public connection points by default (DESIGN.md §1). `public:npmjs` has no entry on
 * purpose: its address comes from npm's own configuration at run time (npm-registry.ts), so
 * larder follows whatever registry the user's npm already trusts.
 */
import { PUBLIC_CONNECTIONS, type PublicConnectionName } from './types.js';

export const PUBLIC_CONNECTION_URLS: Readonly<Partial<Record<PublicConnectionName, string>>> = Object.freeze({
  'public:pypi': 'https://pypi.org/simple/',
  'public:maven-central': 'https://repo.maven.apache.org/maven2/',
  'public:maven-googleandroid': 'https://maven.google.com/',
  'public:maven-gradleplugins': 'https://plugins.gradle.org/m2/',
  'public:maven-commonsware': 'https://s3.amazonaws.com/repo.commonsware.com/',
});

/** Origins besides the connection's own that its artifacts are served from. */
export const PUBLIC_CONNECTION_ASSET_ORIGINS: Readonly<Partial<Record<PublicConnectionName, readonly string[]>>> = Object.freeze({
  'public:pypi': Object.freeze(['https://files.pythonhosted.org']),
});

export const PUBLIC_CONNECTION_NAMES = Object.keys(PUBLIC_CONNECTIONS) as PublicConnectionName[];

export function isPublicConnectionName(value: string): value is PublicConnectionName {
  return Object.hasOwn(PUBLIC_CONNECTIONS, value);
}
