import { createInterface } from 'node:readline';

/** Reads one line without echo from a terminal. */
function askHidden(prompt: string, input: NodeJS.ReadStream, output: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(prompt);
    input.setRawMode(true);
    input.resume();
    let value = '';
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (char === '\u0003') {
          finish();
          reject(new Error('cancelled'));
          return;
        }
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    const finish = () => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
    };
    input.on('data', onData);
  });
}

/** Reads the first line of a non-terminal input (a pipe or a file). */
async function readFirstLine(input: NodeJS.ReadableStream): Promise<string> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

/**
 * The password of `user add|passwd`: never from argv (it would show in `ps` and shell history).
 * On a terminal it is asked twice without echo; otherwise it is the first line of stdin.
 */
export async function readNewPassword(
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<string> {
  if (!input.isTTY) return readFirstLine(input);
  const first = await askHidden('New password: ', input, output);
  const second = await askHidden('Repeat the password: ', input, output);
  if (first !== second) throw new Error('the passwords do not match');
  return first;
}
