import type { AdapterDefinition } from '@switchboard/core';
import { Command, CommanderError } from 'commander';
import { adapters } from './adapters.ts';
import { ConfigError, type FlagValues, loadConfig, setPath } from './config.ts';
import { startGateway } from './gateway.ts';
import { createLogger } from './logger.ts';
import { type LoadedPlugin, loadPlugins, namingPlugin, PluginError } from './plugins/load-plugins.ts';
import { requestedPlugins } from './plugins/requested-plugins.ts';
import type { UserAction } from './user-command.ts';
import { packageVersion } from './version.ts';

type ServeFlag = [flag: string, key: string, path: string[], help: string];

/** Flag → config path. Values stay strings until the config schema checks them (and names them). */
const serveFlagsOf = (adapterNames: readonly string[]): ServeFlag[] => [
  ['--host <host>', 'host', ['host'], 'address every adapter listens on (default 0.0.0.0)'],
  ...adapterNames.map(
    (name): ServeFlag => [
      `--${name}-port <port>`,
      `${name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())}Port`,
      ['adapters', name, 'port'],
      `${name} port (0 picks a free one)`,
    ],
  ),
  ['--admin-port <port>', 'adminPort', ['admin', 'port'], 'admin HTTP port (default 8081)'],
  ['--admin-host <host>', 'adminHost', ['admin', 'host'], 'admin HTTP address (default 127.0.0.1)'],
  ['--admin-token <token>', 'adminToken', ['admin', 'token'], 'bearer token required by the admin API'],
  ['--data-dir <dir>', 'dataDir', ['dataDir'], 'directory of the embedded SQLite store (default ./data)'],
  ['--redis <url>', 'redis', ['redis'], 'join a cluster through this Redis (redis://host:port)'],
  ['--log-level <level>', 'logLevel', ['logLevel'], 'fatal|error|warn|info|debug|trace|silent'],
  [
    '--trust-proxy <cidrs>',
    'trustProxy',
    ['trustProxy'],
    'proxies (CIDR[,CIDR...]) that send the PROXY protocol / X-Forwarded-For',
  ],
  ['--tls-cert <file>', 'tlsCert', ['tls', 'cert'], 'PEM certificate: serve TLS on every protocol port'],
  ['--tls-key <file>', 'tlsKey', ['tls', 'key'], 'PEM private key of --tls-cert'],
];

type ServeOptions = Record<string, string | undefined> & { plugin?: string[] };

function flagsToConfig(
  options: ServeOptions,
  serveFlags: readonly ServeFlag[],
  adapterNames: readonly string[],
): FlagValues {
  const result: FlagValues = {};
  // `--ports 0`: every adapter on a free port (tests, benchmarks, CI); a --<name>-port still wins.
  if (options.ports !== undefined) {
    const value = /^\d+$/.test(options.ports) ? Number(options.ports) : options.ports;
    for (const name of adapterNames) setPath(result, ['adapters', name, 'port'], value);
  }
  if (options.plugin !== undefined) result.plugins = options.plugin;
  for (const [, key, path] of serveFlags) {
    const raw = options[key];
    if (raw === undefined) continue;
    const value = path.at(-1) === 'port' && /^\d+$/.test(raw) ? Number(raw) : raw;
    setPath(result, path, value);
  }
  if (options.only !== undefined) result.only = options.only.split(',').map((item) => item.trim());
  return result;
}

async function serve(
  options: ServeOptions,
  serveFlags: readonly ServeFlag[],
  plugins: readonly LoadedPlugin[],
): Promise<void> {
  const registry: AdapterDefinition<unknown>[] = [...adapters, ...plugins.map((plugin) => plugin.definition)];
  let config: ReturnType<typeof loadConfig>;
  try {
    if (options.ports !== undefined && options.ports !== '0')
      throw new ConfigError(`--ports takes only 0 (every adapter on a free port), not ${options.ports}`);
    const flags = flagsToConfig(
      options,
      serveFlags,
      registry.map((definition) => definition.name),
    );
    config = loadConfig({ file: options.config, flags, registry });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`switchboard: ${namingPlugin(error.message, plugins)}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.logLevel);
  // A safety net: adapters handle their own failures, but one forgotten promise must cost a log
  // line, not every user their connection.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  try {
    gateway = await startGateway(config, logger, registry);
  } catch (error) {
    logger.fatal({ err: error }, `switchboard could not start: ${(error as Error).message}`);
    process.exitCode = 1;
    return;
  }
  const summary = Object.entries(gateway.ports)
    .map(([name, port]) => `${name}=${port}`)
    .join(' ');
  logger.info(
    {
      ports: gateway.ports,
      mode: config.redis ? 'cluster' : 'embedded',
      tls: gateway.tls,
      trustProxy: config.trustProxy,
      maxConnections: config.limits.maxConnections,
    },
    `switchboard ready: ${summary}`,
  );

  // SIGHUP: a renewed certificate is served to new connections; open ones are not touched.
  process.on('SIGHUP', () => {
    if (!gateway.tls) return logger.info({ signal: 'SIGHUP' }, 'no TLS certificate to reload');
    try {
      gateway.reloadTls();
      logger.info({ signal: 'SIGHUP', cert: config.tls.cert }, 'TLS certificate reloaded');
    } catch (error) {
      logger.error(
        { err: error, cert: config.tls.cert },
        'TLS certificate reload failed; still serving the old one',
      );
    }
  });

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    // The spec promises exit within 5 s; whatever is still open after the grace is cut.
    setTimeout(() => process.exit(0), config.shutdownTimeoutMs + 400).unref();
    gateway
      .stop()
      .then(() => logger.info({}, 'stopped'))
      .catch((error: unknown) => logger.error({ err: error }, 'error while stopping'))
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

/** The CLI; `plugins` are the adapters `serve` loaded from outside (they add their port flags). */
export function buildProgram(plugins: readonly LoadedPlugin[] = []): Command {
  const adapterNames = [...adapters, ...plugins.map((plugin) => plugin.definition)].map(
    (definition) => definition.name,
  );
  const serveFlags = serveFlagsOf(adapterNames);
  const program = new Command('switchboard')
    .description('One chat gateway, five wire protocols.')
    .version(packageVersion(), '-V, --version', 'print the version of switchboard')
    .exitOverride()
    .showHelpAfterError();

  const serveCommand = program
    .command('serve')
    .description('run the gateway: every adapter, the admin server, embedded store unless --redis');
  for (const [flag, , , help] of serveFlags) serveCommand.option(flag, help);
  serveCommand
    .option('--only <adapters>', `comma-separated subset of: ${adapterNames.join(', ')}`)
    .option('--ports <0>', 'every adapter on a free port (0), unless its --<adapter>-port says otherwise')
    .option(
      '--plugin <module>',
      'load an adapter from a package or a path (repeatable; also `plugins` in the config file)',
      (module: string, modules: string[] = []) => [...modules, module],
    )
    .option('--config <file>', 'JSON config file (flags beat environment, environment beats the file)')
    .action((options: ServeOptions) => serve(options, serveFlags, plugins));

  const user = program
    .command('user')
    .description('manage accounts (through a running gateway, else on the store)');
  const userOptions = (command: Command) =>
    command
      .option('--admin-url <url>', 'admin API of a running gateway', 'http://127.0.0.1:8081')
      .option('--admin-token <token>', 'admin API token (or SWITCHBOARD_ADMIN_TOKEN)')
      .option(
        '--data-dir <dir>',
        'store to open when no gateway answers',
        process.env.SWITCHBOARD_DATA_DIR ?? './data',
      )
      .option('--redis <url>', 'Redis store to open when no gateway answers', process.env.SWITCHBOARD_REDIS);
  const runUser =
    (action: UserAction) => async (name: string | undefined, options: Record<string, string | undefined>) => {
      // Commands other than `serve` load their modules on demand, so `serve` starts faster.
      const { runUserCommand } = await import('./user-command.ts');
      const { readNewPassword } = await import('./password-prompt.ts');
      process.exitCode = await runUserCommand(action, name, () => readNewPassword(), {
        adminUrl: options.adminUrl ?? 'http://127.0.0.1:8081',
        adminToken: options.adminToken ?? process.env.SWITCHBOARD_ADMIN_TOKEN,
        dataDir: options.dataDir ?? './data',
        redis: options.redis,
        out: process.stdout,
        err: process.stderr,
      });
    };
  userOptions(
    user.command('add <name>').description('create an account; the password is read from stdin'),
  ).action(runUser('add'));
  userOptions(
    user.command('passwd <name>').description('change a password; live rs-us bindings are invalidated'),
  ).action(runUser('passwd'));
  userOptions(user.command('delete <name>').description('delete an account')).action(runUser('delete'));
  userOptions(user.command('list').description('list accounts')).action(
    (options: Record<string, string | undefined>) => runUser('list')(undefined, options),
  );

  // The server API: say, kick, who (server-api-command.ts), through a running gateway only.
  const apiOptions = (command: Command) =>
    command
      .option('--admin-url <url>', 'admin API of a running gateway', 'http://127.0.0.1:8081')
      .option('--admin-token <token>', 'admin API token (or SWITCHBOARD_ADMIN_TOKEN)');
  const api = async (options: Record<string, unknown>) => ({
    commands: await import('./server-api-command.ts'),
    settings: {
      adminUrl: String(options.adminUrl ?? 'http://127.0.0.1:8081'),
      adminToken: (options.adminToken as string | undefined) ?? process.env.SWITCHBOARD_ADMIN_TOKEN,
      out: process.stdout,
      err: process.stderr,
    },
  });
  apiOptions(
    program
      .command('say')
      .description(
        'send a message from the system sender: to --to NAME (repeatable), --room ROOM, or everyone',
      )
      .argument('<text...>')
      .option(
        '--to <name>',
        'a recipient (repeat for more)',
        (name: string, names: string[]) => [...names, name],
        [],
      )
      .option('--room <room>', 'a private room instead of the main chat'),
  ).action(async (text: string[], options: Record<string, unknown>) => {
    const { commands, settings } = await api(options);
    process.exitCode = await commands.runSay(
      text.join(' '),
      { to: options.to as string[], room: options.room as string | undefined },
      settings,
    );
  });
  apiOptions(
    program
      .command('kick')
      .description('disconnect every connection of NAME, on every gateway')
      .argument('<name>'),
  ).action(async (name: string, options: Record<string, unknown>) => {
    const { commands, settings } = await api(options);
    process.exitCode = await commands.runKick(name, settings);
  });
  apiOptions(program.command('who').description('list every open connection of the service')).action(
    async (options: Record<string, unknown>) => {
      const { commands, settings } = await api(options);
      process.exitCode = await commands.runWho(settings);
    },
  );

  // `config print`: what `serve` with these flags would run with, and where each value came from.
  const configCommand = program
    .command('config')
    .description('the effective configuration, and the JSON Schema of the config file');
  const printCommand = configCommand
    .command('print')
    .description('every setting `serve` would run with these flags, and where it came from (secrets masked)');
  for (const [flag, , , help] of serveFlags) printCommand.option(flag, help);
  printCommand
    .option('--only <adapters>', `comma-separated subset of: ${adapterNames.join(', ')}`)
    .option('--ports <0>', 'every adapter on a free port (0), unless its --<adapter>-port says otherwise')
    .option('--config <file>', 'JSON config file (or SWITCHBOARD_CONFIG)')
    .option(
      '--plugin <module>',
      'an adapter module `serve` would load (repeatable)',
      (module: string, modules: string[] = []) => [...modules, module],
    )
    .option('--json', 'print JSON instead of a table')
    .action(async (options: ServeOptions) => {
      const { runConfigPrint } = await import('./config-print.ts');
      process.exitCode = runConfigPrint({
        registry: [...adapters, ...plugins.map((plugin) => plugin.definition)],
        file: options.config,
        flags: flagsToConfig(options, serveFlags, adapterNames),
        env: process.env,
        json: (options as { json?: unknown }).json === true,
        out: process.stdout,
        err: process.stderr,
      });
    });
  configCommand
    .command('schema')
    .description('print the JSON Schema of the config file (as in switchboard.schema.json)')
    .action(async () => {
      const { configJsonSchema } = await import('./config-schema.ts');
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });

  program
    .command('connect')
    .description(
      'terminal client: connect tcp-rooms|soh|rs-us HOST PORT, json-ws URL|HOST PORT [NAME], sessions URL CLIENT_ID',
    )
    .argument('<protocol>')
    .argument('<target...>')
    .option('--tls', 'connect over TLS (json-ws: wss://)')
    .option('--insecure', 'do not verify the server certificate (self-signed test servers)')
    .option('--ca <file>', 'PEM certificate to trust (a private CA or a self-signed server)')
    .option(
      '--plugin <module>',
      'load an adapter from a package or a path, for its terminal client (repeatable)',
      (module: string, modules: string[] = []) => [...modules, module],
    )
    .action(
      async (protocol: string, target: string[], flags: Record<string, string | boolean | undefined>) => {
        const { runConnectCommand } = await import('./connect-command.ts');
        process.exitCode = await runConnectCommand(
          protocol,
          target,
          { input: process.stdin, output: process.stdout, errors: process.stderr },
          {
            tls: flags.tls === true,
            insecure: flags.insecure === true,
            ca: typeof flags.ca === 'string' ? flags.ca : undefined,
          },
          [...adapters, ...plugins.map((plugin) => plugin.definition)],
        );
      },
    );
  return program;
}

/** The plug-ins a `serve` command line asks for, loaded; null (exit 2 told) when one cannot be. */
async function pluginsOf(argv: string[]): Promise<LoadedPlugin[] | null> {
  // `config print` shows what `serve` would run with, so it loads the same plug-ins.
  // `connect --plugin` loads them for their terminal clients.
  if (argv[0] !== 'serve' && argv[0] !== 'connect' && !(argv[0] === 'config' && argv[1] === 'print'))
    return [];
  try {
    return await loadPlugins(requestedPlugins(argv, process.env), adapters);
  } catch (error) {
    if (!(error instanceof PluginError || error instanceof ConfigError)) throw error;
    process.stderr.write(`switchboard: ${error.message}\n`);
    process.exitCode = 2;
    return null;
  }
}

export async function main(argv: string[]): Promise<void> {
  try {
    const plugins = await pluginsOf(argv);
    if (plugins === null) return;
    await buildProgram(plugins).parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`switchboard: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
