import type { ConnectionCursor, ConnectionInfo } from './connection-list.ts';

/**
 * The administrative questions one node asks the others over the bus (see `ClusterRequests`),
 * and their answers, as JSON. Names travel as keys (latin1 strings, so any bytes survive JSON).
 */
export type AdminRequest =
  | {
      op: 'deliver';
      sender: string;
      /** Recipients of a direct message, or null for a room. */
      to: string[] | null;
      /** The room of a room message (null: the main chat). */
      room: string | null;
      text: string;
      timestamp: number;
    }
  | { op: 'disconnect'; name: string }
  | { op: 'connections'; after: ConnectionCursor | null; limit: number };

export interface DeliverAnswer {
  names: string[];
}
export interface DisconnectAnswer {
  closed: number;
}
export interface ConnectionsAnswer {
  connections: ConnectionInfo[];
}

/** The answers that parse as JSON objects; a peer that sent garbage counts as not answering. */
export function parseAnswers<T extends object>(replies: readonly string[]): T[] {
  const answers: T[] = [];
  for (const reply of replies) {
    try {
      const answer: unknown = JSON.parse(reply);
      if (typeof answer === 'object' && answer !== null) answers.push(answer as T);
    } catch {
      // skipped: see above
    }
  }
  return answers;
}
