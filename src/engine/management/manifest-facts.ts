/**
 * What a stored version manifest says about dependencies and readme, per format, in one table:
 * management asks the table and never which format it is.
 */
import type { Format } from '../../domain/types.js';
import { isJsonObject } from '../../formats/npm/packument.js';

export interface DependencyView {
  namespace?: string;
  package: string;
  dependencyType: string;
  versionRequirement: string;
}

export interface ManifestFacts {
  /** Direct dependencies from the retained manifest (an empty list when the format keeps none). */
  dependencies(manifest: unknown): DependencyView[];
  /** The readme text, or undefined when the stored manifest has none (or the format has none). */
  readme(manifest: unknown): string | undefined;
}

/** npm's manifest fields and the hosted service's dependency types for them. */
const NPM_DEPENDENCY_FIELDS = [
  ['dependencies', 'regular'],
  ['optionalDependencies', 'optional'],
  ['peerDependencies', 'peer'],
] as const;

function npmDependencies(manifest: unknown): DependencyView[] {
  if (!isJsonObject(manifest)) return [];
  const out: DependencyView[] = [];
  for (const [field, dependencyType] of NPM_DEPENDENCY_FIELDS) {
    const entries = manifest[field];
    if (!isJsonObject(entries)) continue;
    for (const [name, range] of Object.entries(entries)) {
      if (typeof range !== 'string') continue;
      // `@scope/name`: the scope is the namespace, without its `@`, as the hosted service reports it.
      const scoped = /^@([^/]+)\/(.+)$/.exec(name);
      const named = scoped === null ? { package: name } : { namespace: scoped[1] ?? '', package: scoped[2] ?? '' };
      out.push({ ...named, dependencyType, versionRequirement: range });
    }
  }
  return out;
}

function npmReadme(manifest: unknown): string | undefined {
  if (!isJsonObject(manifest)) return undefined;
  const readme = manifest.readme;
  // npm writes this placeholder when a package has no readme.
  return typeof readme === 'string' && readme !== '' && readme !== 'ERROR: No README data found!' ? readme : undefined;
}

export const MANIFEST_FACTS: Readonly<Record<Format, ManifestFacts>> = {
  npm: { dependencies: npmDependencies, readme: npmReadme },
  // PyPI listings (kept per file) carry no Requires-Dist; that lives in the wheel's METADATA.
  pypi: { dependencies: () => [], readme: () => undefined },
  // Maven dependencies live in the pom, an asset; parsing it is left for later.
  maven: { dependencies: () => [], readme: () => undefined },
};
