import { readConfigFile } from '../config.ts';

/** `--plugin M`, `--plugin=M`, `--config F`, `--config=F` of a `serve` command line. */
function scan(argv: readonly string[], flag: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') break;
    if (word === flag && i + 1 < argv.length) values.push(argv[++i]!);
    else if (word.startsWith(`${flag}=`)) values.push(word.slice(flag.length + 1));
  }
  return values;
}

/**
 * The plug-ins a `serve` command line asks for, before its flags can be parsed (each plug-in
 * brings its own `--<name>-port`): the config file's `plugins`, then `SWITCHBOARD_PLUGINS`,
 * then every `--plugin`, each once. Throws ConfigError when the config file cannot be read.
 */
export function requestedPlugins(argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const file = scan(argv, '--config').at(-1) ?? env.SWITCHBOARD_CONFIG;
  const fromFile = file ? readConfigFile(file).plugins : undefined;
  const fromEnvironment = (env.SWITCHBOARD_PLUGINS ?? '').split(',').map((item) => item.trim());
  const all = [
    ...(Array.isArray(fromFile) ? fromFile.filter((item): item is string => typeof item === 'string') : []),
    ...fromEnvironment,
    ...scan(argv, '--plugin'),
  ];
  return [...new Set(all.filter((item) => item !== ''))];
}
