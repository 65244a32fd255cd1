import type { FrameReader } from '@switchboard/core';

/** What a client's line asks for. */
export type LineCommand = { kind: 'direct'; to: string; text: string } | { kind: 'main'; text: string };

/** `@NAME TEXT` is a direct message, any other line is for the main chat. */
export function parseLine(line: string): LineCommand {
  const direct = /^@(\S+) (.*)$/s.exec(line);
  return direct ? { kind: 'direct', to: direct[1]!, text: direct[2]! } : { kind: 'main', text: line };
}

/**
 * One delivery line. Text from other protocols may hold tabs, line breaks and NULs: each control
 * character becomes a space, so nothing in a text can end the line or fake a field.
 */
export function formatDelivery(direct: boolean, sender: string, text: string): string {
  const clean = (value: string) => value.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ');
  return `${direct ? 'direct' : 'main'}\t${clean(sender)}\t${clean(text)}\n`;
}

/**
 * Lines out of a byte stream, one per call, as the connection runtime asks for them (a
 * `FrameReader`). A line cut across reads is kept (copied, so it pins no read buffer); one longer
 * than `maxLineBytes`, newline included, fails the reader before it is held whole.
 */
export class LineReader implements FrameReader<string> {
  readonly #maxLineBytes: number;
  #partial: Buffer | null = null;
  offset = 0;
  failed = false;

  constructor(maxLineBytes: number) {
    this.#maxLineBytes = maxLineBytes;
  }

  next(chunk: Buffer, at: number): string | null {
    const newline = chunk.indexOf(0x0a, at);
    const held = this.#partial === null ? 0 : this.#partial.length;
    const end = newline < 0 ? chunk.length : newline + 1;
    this.offset = end;
    if (held + end - at > this.#maxLineBytes || (newline < 0 && held + end - at >= this.#maxLineBytes)) {
      this.failed = true;
      this.#partial = null;
      return null;
    }
    if (newline < 0) {
      this.#partial = Buffer.concat(
        this.#partial === null ? [chunk.subarray(at)] : [this.#partial, chunk.subarray(at)],
      );
      return null;
    }
    const piece = chunk.subarray(at, newline);
    const bytes = this.#partial === null ? piece : Buffer.concat([this.#partial, piece]);
    this.#partial = null;
    // Invalid UTF-8 reads as U+FFFD, as every protocol shows it.
    return bytes.toString('utf8').replace(/\r$/, '');
  }
}
