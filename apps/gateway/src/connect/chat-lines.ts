/**
 * The terminal side of the json-ws chat frames, for clients that speak them (`connect
 * sessions`): what a typed line sends, and how a received frame prints.
 */

/** What the server sends, loosely: the client prints what it does not recognise as JSON. */
export interface ChatFrame {
  type?: unknown;
  data?: {
    active_clients?: unknown;
    sender?: unknown;
    timestamp?: unknown;
    text?: unknown;
    message?: unknown;
  };
}

/**
 * A typed line as a frame: `/who` asks who is online, `@NAME TEXT` or `@a,b TEXT` sends directly,
 * anything else goes to everyone. Blank lines send nothing (null); a bad `@` line is a string to
 * show as the usage error.
 */
export function frameOfLine(line: string): object | string | null {
  if (line.trim() === '') return null;
  if (line.trim() === '/who') return { type: 'recieve_status' };
  if (line.startsWith('@')) {
    const space = line.indexOf(' ');
    const recievers = (space === -1 ? '' : line.slice(1, space)).split(',').filter((name) => name !== '');
    if (recievers.length === 0) return 'usage: @NAME[,NAME...] TEXT';
    return { type: 'send_message', data: { recievers, text: line.slice(space + 1) } };
  }
  return { type: 'send_message', data: { text: line } };
}

/** A frame as one terminal line: `[HH:MM] SENDER: TEXT`, `online: a, b`, `error: ...`. */
export function lineOfFrame(frame: ChatFrame): string {
  const data = frame.data ?? {};
  switch (frame.type) {
    case 'chat_status': {
      const names = Array.isArray(data.active_clients) ? data.active_clients.map(String) : [];
      return `online: ${names.map(visible).join(', ')}`;
    }
    case 'recieve_message':
      return `[${clock(Number(data.timestamp))}] ${visible(String(data.sender))}: ${visible(String(data.text))}`;
    case 'error':
      return `error: ${visible(String(data.message))}`;
    default:
      return visible(JSON.stringify(frame));
  }
}

/** Control characters shown escaped, so a message can neither break lines nor drive the terminal. */
export function visible(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (char) => JSON.stringify(char).slice(1, -1));
}

/** Local HH:MM of a Unix time in seconds. */
function clock(seconds: number): string {
  const time = new Date(seconds * 1000);
  if (Number.isNaN(time.getTime())) return '--:--';
  const two = (value: number) => String(value).padStart(2, '0');
  return `${two(time.getHours())}:${two(time.getMinutes())}`;
}
