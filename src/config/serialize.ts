/**
 * The effective config written back as YAML (for `larder config show`). The output is itself a
 * valid config file: every repository spelled out with its effective settings, public
 * connections by name with their address as a comment.
 */
import { Document, isScalar } from 'yaml';
import { FORMATS } from '../domain/types.js';
import type { LarderConfig, RepositoryConfig } from './types.js';
import { formatDuration, formatSize } from './units.js';

/** What `config show` says where `public:npmjs` will point. */
export const NPM_REGISTRY_AT_RUN_TIME = "(from npm's configuration at run time)";

export function configToYaml(config: LarderConfig): string {
  const document = new Document({
    listen: { ...config.listen },
    auth: { ...config.auth },
    dataDir: config.dataDir,
    offline: config.offline,
    log: { level: config.logLevel },
    upstream: {
      connectTimeout: formatDuration(config.upstream.connectTimeoutMs),
      headersTimeout: formatDuration(config.upstream.headersTimeoutMs),
      bodyTimeout: formatDuration(config.upstream.bodyTimeoutMs),
      retries: config.upstream.retries,
      breakerThreshold: config.upstream.breakerThreshold,
      breakerCooldown: formatDuration(config.upstream.breakerCooldownMs),
    },
    limits: { maxMetadataSize: formatSize(config.maxMetadataBytes) },
    repositories: Object.fromEntries([...config.repositories].map(([name, repository]) => [name, repositoryToPlain(repository)])),
  });
  for (const repository of config.repositories.values()) {
    const external = repository.external;
    if (external === undefined || external.name === 'custom') continue;
    const node = document.getIn(['repositories', repository.name, 'external'], true);
    if (isScalar(node)) node.comment = ` ${external.url ?? NPM_REGISTRY_AT_RUN_TIME}`;
  }
  return document.toString({ lineWidth: 0 });
}

function repositoryToPlain(repository: RepositoryConfig): Record<string, unknown> {
  const external = repository.external;
  return {
    description: repository.description,
    upstreams: [...repository.upstreams],
    ...(external === undefined
      ? {}
      : {
          external:
            external.name === 'custom'
              ? { format: external.format, url: external.url, ...(external.assetOrigins.length > 0 ? { assetOrigins: external.assetOrigins } : {}) }
              : external.name,
        }),
    metadataTtl: Object.fromEntries(FORMATS.map((format) => [format, formatDuration(repository.metadataTtlMs[format])])),
    refresh: repository.refresh,
    ingestionDeadline: formatDuration(repository.ingestionDeadlineMs),
    notFoundTtl: formatDuration(repository.notFoundTtlMs),
    prefetch: repository.prefetch,
    ...(repository.publish ? { publish: true } : {}),
    ...(repository.packageRules.length > 0 ? { packages: repository.packageRules.map((rule) => ({ ...rule })) } : {}),
  };
}
