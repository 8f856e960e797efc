/** Terminal prompts of the one-shot CLI: hidden password input, y/N, and reading a secret from stdin. */
import readline from 'node:readline';

/** Read a line without echoing it (TTY input only). Rejects on Ctrl-C. */
export function readHidden(question: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(question);
    const wasRaw = input.isRaw;
    input.setRawMode?.(true);
    input.resume();
    input.setEncoding('utf8');
    let value = '';
    const done = (err: Error | null) => {
      input.off('data', onData);
      input.setRawMode?.(wasRaw ?? false);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const c of chunk) {
        if (c === '\r' || c === '\n') return done(null);
        if (c === '\u0003') return done(new Error('cancelled'));
        if (c === '\u007f' || c === '\b') value = value.slice(0, -1);
        else if (c >= ' ') value += c;
      }
    };
    input.on('data', onData);
  });
}

/** Ask a yes/no question; anything but y/yes is no. */
export function askYesNo(question: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input, output, terminal: Boolean(input.isTTY) });
    rl.question(`${question} [y/N] `, (a) => {
      // Answer first: close() emits 'close' at once, which would answer no.
      resolve(/^y(es)?$/i.test(a.trim()));
      rl.close();
    });
    rl.once('close', () => resolve(false));
  });
}

/** The whole of stdin as text, without the final line break (`--password-stdin`). */
export async function readStdin(input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
