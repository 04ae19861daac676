/**
 * Who may publish what where (issue 9 §1–2, DESIGN §1 "Publishing"): the repository must accept
 * publishes, no packages rule may block the package there, the version must be new in the
 * repository, and — the dependency-confusion guard — no upstream of it may already offer that
 * version: not a repository it searches, and not an external connection, asked afresh.
 */
import type { RepositoryConfig } from '../../config/types.js';
import { originControls } from '../../domain/origin-controls.js';
import type { RetainedVersion } from '../../domain/types.js';
import { LarderError, asLarderError } from '../../errors.js';
import type { FormatProtocol } from '../../formats/protocol.js';
import { metadataPolicy, requireRepository, type ChainContext } from '../chain.js';
import type { MetadataCache } from '../metadata-cache.js';
import { packageChain } from '../package-chain.js';
import type { Retention } from '../ports.js';

export interface PublishGuardDeps {
  chain: ChainContext;
  retention: Pick<Retention, 'getPackage'>;
  cache: MetadataCache;
}

export interface PublishTarget {
  repository: string;
  pkg: string;
  version: string;
  /** The files this publish adds (a PyPI wheel beside an sdist, a Maven jar beside its pom). */
  assetNames: readonly string[];
}

const OPERATION = 'publish.guard';

/**
 * Throws E_METHOD_NOT_ALLOWED, E_FORBIDDEN, E_CONFLICT, or the upstream's error when it cannot be asked; returns the
 * version already published there when this publish only adds files to it.
 */
export async function admitPublish<Doc>(deps: PublishGuardDeps, protocol: FormatProtocol<Doc>, target: PublishTarget): Promise<RetainedVersion | undefined> {
  const repository = requireRepository(deps.chain, target.repository);
  const what = `${protocol.format} package ${target.pkg}@${target.version}`;
  if (!repository.publish) {
    throw new LarderError('E_METHOD_NOT_ALLOWED', `repository ${repository.name} does not accept publishes; set publish: true on it in the config, or publish to a repository that does`, {
      operation: OPERATION,
    });
  }
  const { stops, upstreamBlocked } = await packageChain(deps.chain, deps.retention, repository.name, protocol.format, target.pkg);
  const own = stops[0]?.record;
  const controls = originControls(repository.packageRules, protocol.format, target.pkg, own?.published !== undefined);
  if (controls.publish === 'block') {
    throw new LarderError('E_FORBIDDEN', `a packages rule in ${repository.name} blocks publishing ${target.pkg} there (publish: block)`, { operation: OPERATION });
  }
  const existing = own !== undefined && Object.hasOwn(own.versions, target.version) ? own.versions[target.version] : undefined;
  if (existing !== undefined) return sameVersionAgain(existing, repository, what, target);
  for (const [index, stop] of stops.entries()) {
    const held = index === 0 ? undefined : stop.record?.versions;
    if (held !== undefined && Object.hasOwn(held, target.version)) {
      throw conflict(`${what} already exists in ${stop.repository.name}, an upstream of ${repository.name}; a version that comes from upstream cannot be published over`);
    }
    // Only an explicit rule vouches that the name is the team's alone; a package blocked from
    // upstream just because it was published here still may not take a version the public has.
    if (stop.connected && upstreamBlocked?.because !== 'rule') await checkConnection(deps, protocol, stop.repository, target, what, repository.name);
  }
  return undefined;
}

/** A version published here before may gain files it lacks; nothing else about it changes. */
function sameVersionAgain(existing: RetainedVersion, repository: RepositoryConfig, what: string, target: PublishTarget): RetainedVersion {
  if (existing.origin.published !== true) {
    throw conflict(`${what} is already retained in ${repository.name}, fetched from ${existing.origin.connection ?? existing.origin.repository}; it cannot be published over`);
  }
  const present = target.assetNames.filter((name) => existing.assets.some((asset) => asset.name === name));
  if (target.assetNames.length === 0 || present.length > 0) {
    const files = present.length > 0 ? ` (${present.join(', ')} is already there)` : '';
    throw conflict(`${what} is already published in ${repository.name}${files}; a published version never changes: publish a new version`);
  }
  if (existing.status === 'Disposed') throw conflict(`${what} was disposed in ${repository.name}; publish a new version`);
  return existing;
}

async function checkConnection<Doc>(deps: PublishGuardDeps, protocol: FormatProtocol<Doc>, gateway: RepositoryConfig, target: PublishTarget, what: string, into: string): Promise<void> {
  const connection = gateway.external?.name === 'custom' ? gateway.external.url ?? 'its external connection' : (gateway.external?.name ?? 'its external connection');
  try {
    const upstreamBase = await deps.chain.connectionBase(gateway);
    // Forced: a version published upstream since the cached copy must not slip through.
    const lookup = await deps.cache.lookup(
      { repository: gateway.name, upstreamBase, protocol, pkg: target.pkg, variant: protocol.versionListVariant },
      metadataPolicy(gateway, protocol.format),
      true,
    );
    const doc = lookup.entry === undefined ? undefined : deps.cache.decode(protocol, target.pkg, lookup.entry);
    if (doc !== undefined && protocol.hasVersion(doc, target.version)) {
      throw conflict(
        `${what} already exists on ${connection} (through ${gateway.name}); publishing it into ${into} would shadow the public one. ` +
          `Publish another version, or if ${target.pkg} is yours alone, add a packages rule with upstream: block for it in ${into}`,
      );
    }
    if (lookup.upstreamError !== undefined) throw lookup.upstreamError;
  } catch (error) {
    const failure = asLarderError(error);
    if (failure.code === 'E_CONFLICT') throw failure;
    throw new LarderError(
      failure.code === 'E_OFFLINE' ? 'E_CONFLICT' : failure.code,
      `cannot publish ${what}: larder could not check that ${connection} (through ${gateway.name}) does not have it: ${failure.message}. ` +
        `Try again when it answers, or add a packages rule with upstream: block for ${target.pkg} in ${into} so it is never taken from there`,
      // The failing operation stays: an upstream document over a limit is the upstream's fault (502).
      { operation: failure.operation ?? OPERATION, cause: failure },
    );
  }
}

function conflict(message: string): LarderError {
  return new LarderError('E_CONFLICT', message, { operation: OPERATION });
}
