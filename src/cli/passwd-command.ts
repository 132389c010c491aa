/** `passwd`: adds a user to a `provdisc serve` users file, or changes their password. */
import type { Command } from 'commander';
import { checkScryptN, setUserPassword, checkUserName } from '../server/users.js';
import { UsageError } from '../util/errors.js';
import { action, EXIT_OK, info } from './common.js';
import { askTerminal, readStdin } from './terminal.js';

interface PasswdFlags {
  /** A required option: commander refuses the command without it. */
  users: string;
  passwordStdin?: boolean;
  scryptN?: string;
}

async function newPassword(name: string, flags: PasswdFlags): Promise<string> {
  if (flags.passwordStdin) return (await readStdin()).split(/\r?\n/)[0] ?? '';
  if (process.stdin.isTTY !== true) {
    throw new UsageError(
      'stdin is not a terminal to ask the password on',
      `give it on stdin: echo "$PASSWORD" | provdisc passwd ${name} --users FILE --password-stdin`,
    );
  }
  const first = await askTerminal(`new password for ${name}: `, true);
  const again = await askTerminal(`the same again: `, true);
  if (first !== again) throw new UsageError('the two passwords differ', 'run it again and type the same password twice');
  return first;
}

export function registerPasswdCommand(program: Command): void {
  program
    .command('passwd')
    .description('add a user to the users file of provdisc serve, or change their password (salted scrypt hash)')
    .argument('<name>', 'the user name, as typed in Jitsi')
    .requiredOption('--users <file>', 'the users file (created if missing; written atomically, mode 0600)')
    .option('--password-stdin', 'read the password from the first line of stdin instead of asking')
    .option('--scrypt-n <N>', 'scrypt cost: a power of two from 1024 (default 16384); lower lets more users log in at once (docs/passwd.md)')
    .addHelpText(
      'after',
      '\nA running provdisc serve reads the file again on SIGHUP.\n\nExit codes: 0 written; 1 bad input or error (the file is left as it was).',
    )
    .action(
      action(async (name: string, flags: PasswdFlags) => {
        checkUserName(name);
        const N = flags.scryptN === undefined ? undefined : Number(flags.scryptN);
        if (N !== undefined) checkScryptN(N);
        const outcome = await setUserPassword(flags.users, name, await newPassword(name, flags), N);
        info(`${outcome} ${name} in ${flags.users}`);
        return EXIT_OK;
      }),
    );
}
