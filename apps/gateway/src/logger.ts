import pino, { type Logger as PinoLogger } from 'pino';

/**
 * Structured JSON lines on stdout; pretty only on a terminal. Password fields are redacted
 * wherever they appear, as a second line of defence: no code path logs one on purpose.
 */
export function createLogger(level: string, destination: NodeJS.WritableStream = process.stdout): PinoLogger {
  const options = {
    level,
    base: { pid: process.pid },
    redact: { paths: ['password', '*.password', 'newPassword', '*.newPassword'], censor: '[redacted]' },
  };
  if (destination === process.stdout && process.stdout.isTTY) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return pino(options, destination as pino.DestinationStream);
}
