/** `larder reload`: ask the running daemon to read its config file again (as SIGHUP does). */
import type { CommandModule } from 'yargs';
import type { CliIo } from './io.js';
import { withApiOptions, withDaemon, type ApiArgs } from './manage-options.js';
import type { SelectAction } from './select.js';

export function reloadCommand(io: CliIo, select: SelectAction): CommandModule<object, ApiArgs> {
  return {
    command: 'reload',
    describe: "reload the running daemon's config file without dropping requests in flight",
    builder: (yargs) => withApiOptions(yargs),
    handler: (args) => select(() => reload(args, io)),
  };
}

export function reload(args: ApiArgs, io: CliIo): Promise<number> {
  return withDaemon(args, io, async (client, output) => {
    const answer = await client.post('reload', {});
    if (output.json) return (output.answer(answer), 0);
    const repositories = Array.isArray(answer.body.repositories) ? answer.body.repositories.map(String) : [];
    io.stdout(`reloaded: ${repositories.length} repositories (${repositories.join(', ')})\n`);
    const later = Array.isArray(answer.body.restartNeededFor) ? answer.body.restartNeededFor.map(String) : [];
    if (later.length > 0) output.note(`changes to ${later.join(', ')} take effect after a restart`);
    return 0;
  });
}
