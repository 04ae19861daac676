/**
 * What the engine needs to know about a package format. Each format implements this once
 * (formats/npm/protocol.ts, …); the engine's caching, retention and outage logic is shared.
 * Pure: no disk, no sockets.
 */
import type { Format, PublishedPackage, RetainedVersion } from '../domain/types.js';

/** A request for one metadata document of one package from one upstream. */
export interface MetadataRequest {
  url: URL;
  headers: Record<string, string>;
}

export interface ParsedMetadata<Doc> {
  doc: Doc;
  /** What to store: the document re-serialised in the requested variant. */
  body: string;
  contentType: string;
  /** Format-specific modification time, to refuse an answer older than the cached one. */
  modifiedAt?: number;
}

/**
 * Who reads a metadata document: a `resolver` picks versions to install from it (npm install,
 * pip, mvn); a `browser` only lists them (`npm view`, a web page). Unlisted versions stay
 * reachable by exact version for resolvers and vanish for browsers.
 */
export type UnionAudience = 'resolver' | 'browser';

/** Where to fetch one asset from and what its bytes must hash to. */
export interface AssetLocation {
  url: URL;
  integrity: string;
  size?: number;
}

/** One version ingestion prefetch fetches for a dependency. */
export interface PrefetchPick {
  version: string;
  /** The version the client would install for the range: its own dependencies are prefetched too. */
  inTree: boolean;
}

/** This machine's OS and CPU as Node names them (`process.platform`, `process.arch`). */
export interface Platform {
  os: string;
  cpu: string;
}

/** Ingestion prefetch for a format whose versions declare their dependencies (npm; DESIGN §1). */
export interface PrefetchRules<Doc> {
  /** The metadata variant to read dependencies' documents in (what installing clients ask). */
  readonly variant: string;
  /** A retained version's dependencies, from the manifest snapshotted with it. */
  dependencies(manifest: unknown): Array<{ name: string; range: string }>;
  /** Which versions of a dependency to fetch for `range`; none that cannot install on `platform`. */
  picks(doc: Doc, range: string, platform: Platform): PrefetchPick[];
  /** The asset a client fetches for the version (npm: the tarball). */
  assetName(pkg: string, version: string): string;
}

export interface FormatProtocol<Doc> {
  readonly format: Format;
  /** `variant` distinguishes representations cached separately (npm: `full` / `abbreviated`). */
  metadataRequest(upstreamBase: URL, pkg: string, variant: string): MetadataRequest;
  /**
   * Parses an upstream answer; throws E_UPSTREAM_BAD_RESPONSE when it is not what was asked.
   * `requestUrl` is the URL the document was fetched from (after redirects): relative links in it
   * (PyPI pages) resolve against it.
   */
  parseMetadata(body: string, contentType: string, pkg: string, variant: string, requestUrl: URL): ParsedMetadata<Doc>;
  /** Parses a body this protocol stored earlier. */
  decodeStored(body: string, pkg: string): Doc;
  hasVersion(doc: Doc, version: string): boolean;
  /** The metadata variant that lists every version of a package (the publish guard reads it). */
  readonly versionListVariant: string;
  /**
   * Variants whose document can give an asset's digest, the one to fetch first (the smallest).
   * Any cached one that lists the version will do: a version's digest never changes.
   */
  readonly assetMetadataVariants: readonly string[];
  assetContentType(assetName: string): string;
  /**
   * Undefined when the document does not list that asset. Throws E_UPSTREAM_BAD_RESPONSE when
   * it lists it without a digest larder can verify (larder never stores unverified bytes).
   */
  locateAsset(doc: Doc, upstreamBase: URL, pkg: string, version: string, assetName: string): AssetLocation | undefined;
  /** Formats whose assets carry their digest in a sidecar file (Maven's .sha1): where the asset and its sidecar are. */
  digestSidecar?(
    upstreamBase: URL,
    pkg: string,
    version: string,
    assetName: string,
  ): { assetUrl: URL; sidecarUrl: URL; algorithm: 'sha1' | 'sha256' | 'sha512' | 'md5'; parse(text: string): string | undefined /* hex */ } | undefined;
  /**
   * An asset whose bytes may change under the same name (a Maven `-SNAPSHOT` file without a
   * timestamp): never retained, always fetched through. Absent means every asset is immutable.
   */
  isMutableAsset?(version: string, assetName: string): boolean;
  /** Present when the format supports ingestion prefetch. */
  readonly prefetch?: PrefetchRules<Doc>;
  /** The version's own metadata, snapshotted when the version is retained. */
  versionManifest(doc: Doc, version: string): unknown;
  /** The listing entry of one asset, snapshotted with it (formats with one asset per version: undefined). */
  assetListing(doc: Doc, version: string, assetName: string): unknown;
  /**
   * The union a client sees: upstream documents in search order (earlier wins) plus every
   * version the searched repositories retain. Undefined when there is nothing to show.
   * `audience` says whether the client resolves versions to install from it (Unlisted versions
   * must stay reachable by exact version) or only lists them (Unlisted versions vanish).
   */
  union(docs: Doc[], pkg: string, retained: RetainedVersion[], variant: string, audience: UnionAudience): Doc | undefined;
  /**
   * Formats with package-level metadata of their own (npm's dist-tags): the document a repository
   * that publishes `pkg` contributes, placed in search order among the upstream documents.
   */
  publishedDocument?(pkg: string, published: PublishedPackage, versions: RetainedVersion[], variant: string): Doc;
}
