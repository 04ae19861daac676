/**
 * Commands do not run inside yargs: a handler only records what to run, and main.ts runs it
 * after parsing. That keeps yargs' output capture synchronous and lets run() await the command.
 */
export type CommandAction = () => Promise<number>;
export type SelectAction = (action: CommandAction) => void;
