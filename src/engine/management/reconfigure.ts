/**
 * The running config and its changes (issue 5 §3): one holder that request handling reads per
 * request, swapped whole between requests by a reload (SIGHUP, `larder reload`) or after an edit
 * of the config file (create, update or delete a repository, associate / disassociate an external
 * connection). A request in flight
 * keeps the repository objects it already took, so it finishes on the config it started with.
 * A bad config never replaces a good one: every problem is logged and the old config stays.
 */
import type { Logger } from 'pino';
import type { ExternalConnectionSpec, RepositoryEdit, RepositorySettings } from '../../config/edit.js';
import type { ConfigProblem } from '../../config/problems.js';
import type { LarderConfig, RepositoryConfig } from '../../config/types.js';
import { isLarderError, LarderError } from '../../errors.js';

/** The one mutable reference to the running config. */
export class ConfigHolder {
  #current: LarderConfig;

  constructor(config: LarderConfig) {
    this.#current = config;
  }

  get current(): LarderConfig {
    return this.#current;
  }

  get repositories(): ReadonlyMap<string, RepositoryConfig> {
    return this.#current.repositories;
  }

  replace(next: LarderConfig): void {
    this.#current = next;
  }
}

/** How the config is read again and edited (config/edit.ts over a file; absent without one). */
export interface ConfigAccess {
  /** The config file, or undefined on the embedded default. */
  readonly file: string | undefined;
  load(): Promise<LarderConfig>;
  /** Edits the file (validated before it is written) and returns the config it now describes. */
  edit(change: RepositoryEdit): Promise<LarderConfig>;
}

export interface ReloadOutcome {
  repositories: string[];
  /** Settings that changed in the file but only take effect on a restart. */
  restartNeededFor: string[];
}

/** Settings the running daemon built its parts from: a reload cannot change them. */
const REFUSED = ['listen', 'dataDir'] as const;
const LATER = ['auth', 'offline', 'logLevel', 'upstream', 'maxMetadataBytes'] as const;
const OPERATION = 'config.reload';

export class Reconfigurer {
  readonly #holder: ConfigHolder;
  readonly #access: ConfigAccess | undefined;
  readonly #log: Logger;
  /** Reloads and edits run one at a time, so an edit never works on a file another is rewriting. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: { holder: ConfigHolder; access?: ConfigAccess; log: Logger }) {
    this.#holder = options.holder;
    this.#access = options.access;
    this.#log = options.log;
  }

  /** Reads the config file again and swaps the repositories in; throws E_CONFLICT (kept the old one) when it cannot. */
  reload(): Promise<ReloadOutcome> {
    return this.#serialised(async () => {
      const access = this.#require();
      let next: LarderConfig;
      try {
        next = await access.load();
      } catch (error) {
        throw this.#kept(error, 'E_CONFLICT');
      }
      return this.#apply(next);
    });
  }

  associateExternalConnection(repository: string, externalConnection: ExternalConnectionSpec): Promise<ReloadOutcome> {
    return this.#edit({ kind: 'associate', repository, externalConnection });
  }

  disassociateExternalConnection(repository: string): Promise<ReloadOutcome> {
    return this.#edit({ kind: 'disassociate', repository });
  }

  createRepository(repository: string, settings: RepositorySettings, externalConnection?: ExternalConnectionSpec): Promise<ReloadOutcome> {
    return this.#edit({ kind: 'create', repository, settings, ...(externalConnection === undefined ? {} : { externalConnection }) });
  }

  updateRepository(repository: string, settings: RepositorySettings): Promise<ReloadOutcome> {
    return this.#edit({ kind: 'update', repository, settings });
  }

  /** Removes the repository from the config file; what it held is the caller's to purge once this resolves. */
  deleteRepository(repository: string): Promise<ReloadOutcome> {
    return this.#edit({ kind: 'delete', repository });
  }

  #edit(change: RepositoryEdit): Promise<ReloadOutcome> {
    return this.#serialised(async () => {
      const access = this.#require();
      let next: LarderConfig;
      try {
        next = await access.edit(change);
      } catch (error) {
        // An edit that would make the config invalid is the request's fault; the file is unchanged.
        throw this.#kept(error, 'E_BAD_REQUEST');
      }
      this.#log.info({ change, config: access.file }, `config file edited: ${change.kind} ${change.repository}`);
      return this.#apply(next);
    });
  }

  #apply(next: LarderConfig): ReloadOutcome {
    const current = this.#holder.current;
    const refused = REFUSED.filter((key) => JSON.stringify(current[key]) !== JSON.stringify(next[key]));
    if (refused.length > 0) {
      const message = `the config file changes ${refused.join(' and ')}, which need a restart of larder; kept the running config`;
      this.#log.error({ changed: refused }, message);
      throw new LarderError('E_CONFLICT', message, { operation: OPERATION, details: { changed: refused } });
    }
    const restartNeededFor = LATER.filter((key) => JSON.stringify(current[key]) !== JSON.stringify(next[key]));
    if (restartNeededFor.length > 0) this.#log.warn({ changed: restartNeededFor }, `config reloaded, but ${restartNeededFor.join(', ')} take effect only after a restart`);
    this.#holder.replace(next);
    const repositories = [...next.repositories.keys()];
    this.#log.info({ repositories }, `config reloaded: ${repositories.length} repositories`);
    return { repositories, restartNeededFor: [...restartNeededFor] };
  }

  #require(): ConfigAccess {
    if (this.#access?.file === undefined) {
      throw new LarderError('E_CONFLICT', 'larder runs on its embedded default config, which cannot be reloaded or edited; start it with --config FILE', { operation: OPERATION });
    }
    return this.#access;
  }

  /** Logs every problem of a config that was not applied, and says the old one stays. */
  #kept(error: unknown, code: 'E_CONFLICT' | 'E_BAD_REQUEST'): unknown {
    if (!isLarderError(error, 'E_CONFIG_INVALID')) return error;
    const problems = (error.details.problems ?? []) as ConfigProblem[];
    for (const problem of problems) this.#log.error({ path: problem.path }, `config problem: ${problem.path}: ${problem.message}`);
    this.#log.error(`the new config is invalid (${problems.length} problems); kept the running config`);
    return new LarderError(code, `${error.message}\nkept the running config`, { operation: OPERATION, cause: error, details: { problems } });
  }

  #serialised<T>(run: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(run, run);
    this.#queue = result.catch((error: unknown) => {
      // The caller sees the failure; the queue only orders the next change.
      void error;
    });
    return result;
  }
}
