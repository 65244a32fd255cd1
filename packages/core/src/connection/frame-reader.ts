/**
 * An incremental decoder as the connection runtime drives it: it is handed the input a piece at a
 * time and takes one frame out per call, keeping a frame that is cut across pieces inside itself.
 * Every stream codec of switchboard has this shape (SOH fields, RS/US records, lines).
 */
export interface FrameReader<Frame> {
  /**
   * The next whole frame of `chunk` from byte `at`, or null when the chunk ran out inside a frame
   * (what was read of it is kept) or the input broke the codec's rules ({@link failed}).
   */
  next(chunk: Buffer, at: number): Frame | null;
  /** Where the last {@link next} stopped reading in its chunk. */
  readonly offset: number;
  /** True once the input broke a rule (a frame over the limit): the connection gives up on it. */
  readonly failed: boolean;
}

/**
 * For transports that deliver whole messages (a WebSocket): each message is one frame. Stateless,
 * so one instance serves every connection.
 */
class WholeMessages implements FrameReader<Buffer> {
  offset = 0;
  readonly failed = false;

  next(chunk: Buffer, at: number): Buffer | null {
    this.offset = chunk.length;
    return at === 0 ? chunk : chunk.subarray(at);
  }
}

export const wholeMessages: FrameReader<Buffer> = new WholeMessages();
