/**
 * The repository graph: search order and retention targets (DESIGN.md §1). Pure functions over
 * the configured repositories; the config validator guarantees known names and no cycles, but
 * these functions stay safe on any input (each repository visited once, at most 25).
 */

export const MAX_DIRECT_UPSTREAMS = 10;
export const MAX_SEARCHED_REPOSITORIES = 25;
/** 2 to 100 characters: letters, digits, `.`, `_`, `-`, starting with a letter or digit. */
export const REPOSITORY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,99}$/;

export interface RepositoryNode {
  name: string;
  upstreams: readonly string[];
}

/**
 * The repositories a request through `start` visits, in order: `start` itself, then its
 * upstreams depth-first in configured order, each repository once, at most 25.
 */
export function searchOrder(start: string, lookup: (name: string) => RepositoryNode | undefined): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name) || order.length >= MAX_SEARCHED_REPOSITORIES) return;
    const node = lookup(name);
    if (node === undefined) return;
    seen.add(name);
    order.push(name);
    for (const upstream of node.upstreams) visit(upstream);
  };
  visit(start);
  return order;
}

/**
 * Where a version pulled through a chain is retained: the repository the client asked and, when
 * the version came from an external connection, the gateway that holds it — never the
 * repositories in between.
 */
export function retentionTargets(requesting: string, source: { repository: string; viaExternal: boolean }): string[] {
  if (source.repository === requesting) return [requesting];
  return source.viaExternal ? [requesting, source.repository] : [requesting];
}
