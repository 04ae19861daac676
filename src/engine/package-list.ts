/** The packages a repository can show in a listing: everything retained along its search order. */
import type { Format } from '../domain/types.js';
import { chainFor, type ChainContext } from './chain.js';
import type { Retention } from './ports.js';

export async function retainedPackageNames(chain: ChainContext, retention: Retention, requesting: string, format: Format): Promise<string[]> {
  const names = new Set<string>();
  for (const { repository } of chainFor(chain, requesting, format)) {
    for await (const record of retention.listPackages(repository.name, format)) names.add(record.package);
  }
  return [...names].sort();
}
