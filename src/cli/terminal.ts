/** Reading what the user gives a command: all of stdin, or a line typed at the terminal. */
import { UsageError } from '../util/errors.js';

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a line from the terminal; a hidden one is not echoed. */
export function askTerminal(question: string, hidden: boolean): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || ch === '\u0004') return finish(new UsageError('cancelled', 'run it again, or give --username and --password-stdin'));
        if (ch === '\u007f' || ch === '\b') {
          if (value.length > 0 && !hidden) process.stderr.write('\b \b');
          value = value.slice(0, -1);
        } else if (ch >= ' ') {
          value += ch;
          if (!hidden) process.stderr.write(ch);
        }
      }
    };
    stdin.setEncoding('utf8');
    // echo goes off before the prompt shows: what is typed after the prompt never reaches the screen
    stdin.setRawMode(true);
    process.stderr.write(question);
    stdin.resume();
    stdin.on('data', onData);
  });
}
