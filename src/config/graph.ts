/**
 * Checks how repositories refer to each other: every upstream name exists, there are no cycles,
 * and a search from any repository visits at most 25 repositories (depth-first, each once).
 */
import { MAX_SEARCHED_REPOSITORIES } from '../domain/repository-graph.js';
import { childPath, didYouMean, type ProblemList } from './problems.js';

export interface GraphInput {
  /** Repository name → its upstream names, in order. */
  upstreams: ReadonlyMap<string, readonly string[]>;
  /** Repository name → the index each upstream had in the file's list, for problem paths. */
  positions: ReadonlyMap<string, readonly number[]>;
  /** Path of the `repositories` section. */
  path: string;
}

export function checkGraph(input: GraphInput, problems: ProblemList): void {
  const names = [...input.upstreams.keys()];
  const edgePath = (from: string, k: number): string =>
    childPath(childPath(childPath(input.path, from), 'upstreams'), input.positions.get(from)?.[k] ?? k);

  // Only known names take part in the cycle and reach checks; unknown ones are reported here.
  const known = new Map<string, string[]>();
  for (const [name, list] of input.upstreams) {
    const kept: string[] = [];
    list.forEach((upstream, k) => {
      if (input.upstreams.has(upstream)) kept.push(upstream);
      else problems.add(edgePath(name, k), `unknown repository "${upstream}"${didYouMean(upstream, names)}`);
    });
    known.set(name, kept);
  }

  for (const cycle of findCycles(names, known)) {
    const last = cycle[cycle.length - 2] ?? '';
    const first = cycle[0] ?? '';
    const k = input.upstreams.get(last)?.indexOf(first) ?? 0;
    problems.add(edgePath(last, k), `upstreams form a cycle: ${cycle.join(' → ')}`);
  }

  for (const name of names) {
    const visited = reachable(name, known);
    if (visited.size > MAX_SEARCHED_REPOSITORIES) {
      problems.add(
        childPath(childPath(input.path, name), 'upstreams'),
        `a search from "${name}" visits ${visited.size} repositories (itself and everything upstream of it); ` +
          `at most ${MAX_SEARCHED_REPOSITORIES} are allowed`,
      );
    }
  }
}

/** Every repository a search from `start` visits, `start` included. */
export function reachable(start: string, edges: ReadonlyMap<string, readonly string[]>): Set<string> {
  const visited = new Set<string>();
  const visit = (name: string): void => {
    if (visited.has(name)) return;
    visited.add(name);
    for (const next of edges.get(name) ?? []) visit(next);
  };
  visit(start);
  return visited;
}

/**
 * Cycles found by a depth-first search, each once, written `a → b → a` starting at the member
 * that comes first in the config. One cycle per back edge is enough to tell the user what to fix.
 */
export function findCycles(order: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const rank = new Map(order.map((name, i) => [name, i]));
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const seen = new Set<string>();
  const cycles: string[][] = [];

  const visit = (name: string): void => {
    state.set(name, 'active');
    stack.push(name);
    for (const next of edges.get(name) ?? []) {
      const nextState = state.get(next);
      if (nextState === 'active') {
        const members = stack.slice(stack.indexOf(next));
        const rotated = rotateToFirst(members, rank);
        const key = rotated.join('\u0000');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...rotated, rotated[0] ?? next]);
        }
      } else if (nextState === undefined) {
        visit(next);
      }
    }
    stack.pop();
    state.set(name, 'done');
  };

  for (const name of order) if (!state.has(name)) visit(name);
  return cycles;
}

function rotateToFirst(members: readonly string[], rank: ReadonlyMap<string, number>): string[] {
  let start = 0;
  members.forEach((name, i) => {
    if ((rank.get(name) ?? Infinity) < (rank.get(members[start] ?? '') ?? Infinity)) start = i;
  });
  return [...members.slice(start), ...members.slice(0, start)];
}
