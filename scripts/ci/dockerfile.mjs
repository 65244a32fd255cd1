// Reads the instructions of a Dockerfile, so a CI check can replay its steps without Docker.
// Enough of the format for this repository's Dockerfile: comments, `\` continuations, stages,
// ARG defaults, ENV (KEY=VALUE forms), and the exec (JSON) and shell forms of RUN/CMD/ENTRYPOINT.

/** @returns {{ args: Record<string,string>, stages: Array<{ from: string, name?: string, instructions: Array<{ keyword: string, rest: string }> }> }} */
export function parseDockerfile(text) {
  const logical = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (current === '' && (line.trim().startsWith('#') || line.trim() === '')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    if (line.trim().startsWith('#')) continue; // a comment inside a continued instruction
    logical.push((current + line).trim());
    current = '';
  }
  if (current.trim() !== '') logical.push(current.trim());

  const args = {};
  const stages = [];
  for (const line of logical) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [image = '', as, name] = rest.split(/\s+/);
      stages.push({ from: image, ...(as?.toUpperCase() === 'AS' && { name }), instructions: [] });
      continue;
    }
    if (upper === 'ARG') {
      const [key, value] = rest.split('=');
      if (value !== undefined && !(key in args)) args[key] = value;
    }
    stages.at(-1)?.instructions.push({ keyword: upper, rest });
  }
  return { args, stages };
}

/** `${NAME}` and `$NAME` replaced from `values`. */
export function expand(text, values) {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (match, braced, bare) => values[braced ?? bare] ?? match);
}

/** An exec-form (`["a","b"]`) or shell-form instruction argument as an argv. */
export function commandOf(rest) {
  const trimmed = rest.trim();
  if (trimmed.startsWith('[')) return JSON.parse(trimmed);
  return ['/bin/sh', '-c', trimmed];
}

/** HEALTHCHECK [--options] CMD ... → the command's argv. */
export function healthcheckCommand(rest) {
  const match = /(?:^|\s)CMD\s+(.*)$/s.exec(rest);
  if (!match) throw new Error(`HEALTHCHECK without CMD: ${rest}`);
  return commandOf(match[1]);
}

/** RUN [--mount=... ...] COMMAND → COMMAND (BuildKit's RUN flags dropped). */
export function runCommand(rest) {
  return rest.replace(/^(?:--\S+\s+)*/, '');
}

/** ENV KEY=VALUE [KEY=VALUE...] → entries (values without quotes or spaces, as used here). */
export function envEntries(rest) {
  return rest
    .trim()
    .split(/\s+/)
    .map((pair) => {
      const index = pair.indexOf('=');
      if (index <= 0) throw new Error(`ENV form not supported by the CI replay: ${rest}`);
      return [pair.slice(0, index), pair.slice(index + 1)];
    });
}
