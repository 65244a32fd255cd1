import type { Logger } from '../ports/logger.ts';

export interface LoggedLine {
  level: string;
  message: string;
}

/** A logger that keeps the level and message of every line, for tests of what is logged where. */
export function recordingLogger(): { logger: Logger; lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at =
    (level: string) =>
    (_object: unknown, message?: string): void => {
      lines.push({ level, message: message ?? '' });
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return { logger, lines };
}
