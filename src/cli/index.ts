/** The `provdisc` command line: a thin layer over the library, one module per subcommand. */
import type * as Commander from 'commander';
import { requireCjs } from '../util/cjs.js';
import { UsageError } from '../util/errors.js';
import { EXIT_ERROR, reportError } from './common.js';

const { Command, CommanderError } = requireCjs('commander') as typeof Commander;

type Register = (program: Commander.Command) => void;

/**
 * Each subcommand's module, loaded only when needed: `provdisc advertise` then never loads the HTTP,
 * TLS and XML code of the other commands, which keeps its start-up time and memory down.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  advertise: async () => (await import('./advertise-command.js')).registerAdvertiseCommand,
  discover: async () => (await import('./discover-command.js')).registerDiscoverCommand,
  avahi: async () => (await import('./avahi-command.js')).registerAvahiCommand,
  'dhcp-config': async () => (await import('./dhcp-config-command.js')).registerDhcpConfigCommand,
  expand: async () => (await import('./expand-command.js')).registerExpandCommand,
  provision: async () => (await import('./provision-command.js')).registerProvisionCommand,
  serve: async () => (await import('./serve-command.js')).registerServeCommand,
  passwd: async () => (await import('./passwd-command.js')).registerPasswdCommand,
  devices: async () => (await import('./devices-command.js')).registerDevicesCommand,
};

/** The program with every subcommand, only `only` when the command line names one, none for --version. */
export async function buildProgram(only?: string): Promise<Commander.Command> {
  const program = new Command('provdisc')
    .description('Advertise, discover, check and serve the Jitsi provisioning URI: mDNS/DNS-SD (Bonjour), DHCP option 224, the provisioning server')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const named = only !== undefined && Object.hasOwn(COMMANDS, only) ? COMMANDS[only] : undefined;
  const loaders = only === '-V' || only === '--version' ? [] : named ? [named] : Object.values(COMMANDS);
  for (const load of loaders) (await load())(program);
  return program;
}

/**
 * `provdisc advertise --json | head -1` closes our stdout early: that is the reader's choice, not an
 * error (and the advertisement goes on until Ctrl-C). Any other failure (a full disk) is the user's
 * to know about; thrown from this listener it would end the process with a stack trace instead.
 */
export function reportOutputError(err: NodeJS.ErrnoException): void {
  if (err.code === 'EPIPE') return;
  reportError(
    new UsageError(`cannot write to standard output: ${err.message}`, 'check where the output goes (a full disk, a removed device, a closed descriptor)'),
  );
  process.exitCode = EXIT_ERROR;
}

export async function main(argv: string[]): Promise<void> {
  process.stdout.on('error', reportOutputError);
  const program = await buildProgram(argv[2]);
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
