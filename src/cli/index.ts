/** The `provdisc` command line: a thin layer over the library, one module per subcommand. */
import { Command, CommanderError } from 'commander';
import { registerAdvertiseCommand } from './advertise-command.js';
import { registerAvahiCommand } from './avahi-command.js';
import { EXIT_ERROR } from './common.js';
import { registerDiscoverCommand } from './discover-command.js';
import { registerExpandCommand } from './expand-command.js';
import { registerProvisionCommand } from './provision-command.js';

export function buildProgram(): Command {
  const program = new Command('provdisc')
    .description('Advertise, discover and check the Jitsi provisioning URI over mDNS/DNS-SD (Bonjour)')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerAdvertiseCommand(program);
  registerDiscoverCommand(program);
  registerAvahiCommand(program);
  registerExpandCommand(program);
  registerProvisionCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed its message; help and --version exit 0
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_ERROR;
      return;
    }
    throw err;
  }
}
