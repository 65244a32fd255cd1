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
