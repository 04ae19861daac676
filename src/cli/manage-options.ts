/**
 * What every management command shares: --url and --json, the package coordinates, and running
 * a command against the daemon (the client closed afterwards, the daemon's refusals printed as
 * `larder: MESSAGE` with exit 1).
 */
import type { Argv } from 'yargs';
import { FORMATS, type Format } from '../domain/types.js';
import { LarderError } from '../errors.js';
import { ApiClient, DEFAULT_URL, isDaemonError, type ApiAnswer } from './api-client.js';
import { EXIT_FAILURE } from './exit.js';
import type { CliIo } from './io.js';
import { renderTable } from './table.js';

export interface ApiArgs {
  url: string;
  json: boolean;
  /** For a larder that requires auth; also read from $LARDER_TOKEN or the URL's password. */
  token?: string;
}

export interface PackageArgs extends ApiArgs {
  repository: string;
  format: Format;
  package: string;
}

export interface PageArgs {
  maxResults?: number;
  nextToken?: string;
}

export function withApiOptions<T>(yargs: Argv<T>): Argv<T & ApiArgs> {
  return yargs
    .option('url', { type: 'string', default: DEFAULT_URL, describe: 'the running larder daemon' })
    .option('json', { type: 'boolean', default: false, describe: "print the API's JSON answer as is (for scripts)" })
    .option('token', { type: 'string', describe: 'a token from `larder token create`, when the daemon requires auth (default: $LARDER_TOKEN)' });
}

export function withPackageOptions<T>(yargs: Argv<T>): Argv<T & PackageArgs> {
  return withApiOptions(yargs)
    .option('repository', { alias: 'r', type: 'string', demandOption: true, describe: 'the repository' })
    .option('format', { alias: 'f', type: 'string', choices: FORMATS, demandOption: true, describe: 'the package format' })
    .option('package', { alias: 'p', type: 'string', demandOption: true, describe: 'the package name (Maven: group:artifact)' }) as Argv<T & PackageArgs>;
}

export function withPageOptions<T>(yargs: Argv<T>): Argv<T & PageArgs> {
  return yargs
    .option('max-results', { type: 'number', describe: 'at most this many per page (1 to 1000, default 100)' })
    .option('next-token', { type: 'string', describe: 'the token a previous page printed, for the next page' });
}

/** maxResults and nextToken as the API's query parameters; the daemon checks the range. */
export function pageParams(args: PageArgs): { maxResults?: number; nextToken?: string } {
  if (args.maxResults !== undefined && !Number.isInteger(args.maxResults)) {
    throw new LarderError('E_USAGE', '--max-results must be a whole number', { operation: 'cli.page' });
  }
  return { maxResults: args.maxResults, nextToken: args.nextToken };
}

/** How a command prints: the answer as is with --json, otherwise tables (aligned on a terminal). */
export class Output {
  constructor(
    readonly io: CliIo,
    readonly json: boolean,
  ) {}

  get tty(): boolean {
    return this.io.stdoutIsTTY === true;
  }

  answer(answer: ApiAnswer): void {
    this.io.stdout(`${answer.text}\n`);
  }

  table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
    this.io.stdout(renderTable(rows, { header, tty: this.tty }));
  }

  /** Notes beside the rows (next page, default version) go to stderr, so stdout stays rows only. */
  note(text: string): void {
    this.io.stderr(`${text}\n`);
  }
}

export async function withDaemon(args: ApiArgs, io: CliIo, command: (client: ApiClient, output: Output) => Promise<number>): Promise<number> {
  const client = new ApiClient(args.url, args.token ?? io.env?.LARDER_TOKEN);
  try {
    return await command(client, new Output(io, args.json));
  } catch (error) {
    if (!isDaemonError(error)) throw error;
    io.stderr(`larder: ${error.message}\n`);
    return EXIT_FAILURE;
  } finally {
    await client.close();
  }
}

export function coordinates(args: PackageArgs): { repository: string; format: Format; package: string } {
  return { repository: args.repository, format: args.format, package: args.package };
}

/** Text for a cell that may be missing. */
export function cell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  return Array.isArray(value) ? (value.length === 0 ? '-' : value.map(String).join(',')) : String(value);
}
