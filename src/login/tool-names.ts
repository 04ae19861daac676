/** The clients `larder login` configures, and which of them share npm's registry setting. */
export const TOOL_NAMES = ['npm', 'pnpm', 'yarn', 'pip', 'uv', 'twine', 'maven', 'gradle'] as const;

export type ToolName = (typeof TOOL_NAMES)[number];

/** Tools that point npm's registry at larder: larder must then remember the registry they used before. */
export const NPM_FAMILY: ReadonlySet<ToolName> = new Set<ToolName>(['npm', 'pnpm', 'yarn']);

export function isToolName(value: string): value is ToolName {
  return (TOOL_NAMES as readonly string[]).includes(value);
}
