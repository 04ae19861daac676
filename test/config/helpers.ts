/** Shared by the config tests: validate YAML text and collect the problems it raises. */
import { parse } from 'yaml';
import { isLarderError } from '../../src/errors.js';
import type { ConfigProblem } from '../../src/config/problems.js';
import type { LarderConfig } from '../../src/config/types.js';
import { validateConfig, type ValidateOptions } from '../../src/config/validate.js';

export const ENV = { HOME: '/home/tester' };

export function options(overrides: Partial<ValidateOptions> = {}): ValidateOptions {
  return { source: 'test.yaml', baseDir: '/etc/larder', env: ENV, cwd: '/work', ...overrides };
}

export function validYaml(text: string, opts: Partial<ValidateOptions> = {}): LarderConfig {
  return validateConfig(parse(text), options(opts));
}

/** The problems validation reports for `text`; fails the test when it is valid. */
export function problemsOf(text: string): ConfigProblem[] {
  try {
    validateConfig(parse(text), options());
  } catch (error) {
    if (isLarderError(error, 'E_CONFIG_INVALID')) return error.details.problems as ConfigProblem[];
    throw error;
  }
  throw new Error(`expected the config to be invalid:\n${text}`);
}

/** Repositories section with gateways enough for graph tests: `a: [b, c]` style lines. */
export function repositoriesYaml(graph: Record<string, string[]>): string {
  const lines = ['repositories:'];
  for (const [name, upstreams] of Object.entries(graph)) {
    lines.push(`  ${name}:`, `    upstreams: [${upstreams.join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}
