/**
 * What a package's namespace is, per format, in one table: the management listings filter on it
 * and never ask which format a package is.
 */
import type { Format } from '../../domain/types.js';

/** The namespace of a package name in its canonical spelling, or undefined when it has none. */
export type NamespaceOf = (pkg: string) => string | undefined;

export const NAMESPACE_OF: Readonly<Record<Format, NamespaceOf>> = {
  // `@scope/name`: the scope without its `@`, as the hosted service reports it.
  npm: (pkg) => /^@([^/]+)\/./.exec(pkg)?.[1],
  // PyPI has no namespaces: a namespace filter matches no PyPI package.
  pypi: () => undefined,
  // `groupId:artifactId`: the groupId.
  maven: (pkg) => /^([^:]+):./.exec(pkg)?.[1],
};

/** True when the package lives in exactly this namespace (no prefix match: `acme` is not `acme-labs`). */
export function inNamespace(format: Format, pkg: string, namespace: string): boolean {
  return NAMESPACE_OF[format](pkg) === namespace;
}
