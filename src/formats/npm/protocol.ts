/**
 * npm as a FormatProtocol: what the shared engine needs to cache packuments and tarballs.
 * Variants: `full` (application/json) and `abbreviated` (the install document), cached apart.
 */
import { LarderError } from '../../errors.js';
import type { RetainedVersion } from '../../domain/types.js';
import type { FormatProtocol, ParsedMetadata } from '../protocol.js';
import { ABBREVIATED_MEDIA_TYPE, FULL_MEDIA_TYPE } from './accept.js';
import { abbreviate } from './abbreviate.js';
import { mergeRetained } from './merge.js';
import { packumentPath, tarballFilename } from './names.js';
import { dependencyRanges, MAX_DOCUMENT_DEPTH, modifiedAt, nestedDeeperThan, parsePackument, tarballDigest, versionManifest, type Packument } from './packument.js';
import { prefetchPicks } from './prefetch.js';
import { publishedPackument } from './published.js';
import { upstreamTarballPath } from './tarball-url.js';

export type NpmVariant = 'full' | 'abbreviated';

export function isNpmVariant(value: string): value is NpmVariant {
  return value === 'full' || value === 'abbreviated';
}

/** Documents of several upstreams, earlier ones winning: versions and tags missing in one come from the next. */
function unionDocuments(docs: Packument[]): Packument | undefined {
  const [first, ...rest] = docs;
  if (first === undefined) return undefined;
  let union: Packument = first;
  for (const doc of rest) {
    union = {
      ...union,
      'dist-tags': { ...doc['dist-tags'], ...union['dist-tags'] },
      versions: { ...doc.versions, ...union.versions },
      ...(union.time || doc.time ? { time: { ...doc.time, ...union.time } } : {}),
    };
  }
  return union;
}

export const npmProtocol: FormatProtocol<Packument> = {
  format: 'npm',
  assetMetadataVariants: ['abbreviated', 'full'],
  versionListVariant: 'abbreviated',

  metadataRequest(upstreamBase, pkg, variant) {
    const url = new URL(packumentPath(pkg), upstreamBase);
    const accept = variant === 'abbreviated' ? `${ABBREVIATED_MEDIA_TYPE}; q=1.0, ${FULL_MEDIA_TYPE}; q=0.8, */*` : `${FULL_MEDIA_TYPE}, */*`;
    return { url, headers: { accept } };
  },

  parseMetadata(body, _contentType, pkg, variant, _requestUrl): ParsedMetadata<Packument> {
    const parsed = parsePackument(body, pkg);
    if (nestedDeeperThan(parsed, MAX_DOCUMENT_DEPTH)) {
      throw new LarderError('E_UPSTREAM_BAD_RESPONSE', `The upstream packument for ${pkg} nests more than ${MAX_DOCUMENT_DEPTH} levels deep; no real package needs that`, {
        operation: 'npm.packument',
      });
    }
    // Some registries ignore the abbreviated Accept and answer the full document: derive it.
    const doc = variant === 'abbreviated' ? abbreviate(parsed) : parsed;
    return {
      doc,
      body: JSON.stringify(doc),
      contentType: variant === 'abbreviated' ? ABBREVIATED_MEDIA_TYPE : FULL_MEDIA_TYPE,
      modifiedAt: modifiedAt(doc),
    };
  },

  decodeStored(body, pkg) {
    return parsePackument(body, pkg);
  },

  hasVersion(doc, version) {
    return Object.hasOwn(doc.versions, version);
  },

  locateAsset(doc, upstreamBase, pkg, version, assetName) {
    if (assetName !== tarballFilename(pkg, version)) return undefined;
    const integrity = tarballDigest(doc, version);
    if (integrity === undefined) {
      throw new LarderError('E_UPSTREAM_BAD_RESPONSE', `the upstream lists ${pkg}@${version} without a valid dist.integrity or shasum; larder never stores unverified bytes`, {
        operation: 'npm.locate',
      });
    }
    return { url: new URL(upstreamTarballPath(doc, version, pkg, upstreamBase), upstreamBase.origin), integrity };
  },

  assetContentType() {
    return 'application/octet-stream';
  },

  prefetch: {
    variant: 'abbreviated',
    dependencies: dependencyRanges,
    picks: prefetchPicks,
    assetName: tarballFilename,
  },

  versionManifest(doc, version) {
    return versionManifest(doc, version);
  },

  assetListing() {
    return undefined;
  },

  publishedDocument(pkg, published, versions, variant) {
    return publishedPackument(pkg, published, versions, variant === 'abbreviated');
  },

  union(docs, pkg, retained: RetainedVersion[], variant, audience) {
    if (!isNpmVariant(variant)) throw new LarderError('E_INTERNAL', `unknown npm variant ${variant}`, { operation: 'npm.union' });
    return mergeRetained(unionDocuments(docs), pkg, retained, variant === 'abbreviated', audience === 'resolver');
  },
};
