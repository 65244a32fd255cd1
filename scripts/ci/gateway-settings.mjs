// Environment settings that deployment files hand the gateway (Dockerfile ENV, compose.yaml
// environment) must be ones it reads: an unknown SWITCHBOARD_* variable is silently ignored, so
// a typo there would quietly undo a deployment decision.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Throws naming every `SWITCHBOARD_*` name in `names` that the gateway's config does not know. */
export async function checkSettingNames(root, names, where) {
  const { environmentVariables } = await import(pathToFileURL(join(root, 'apps/gateway/src/config.ts')).href);
  const known = environmentVariables();
  // SWITCHBOARD_CONFIG names the config file itself rather than a setting.
  const unknown = names.filter((name) => name !== 'SWITCHBOARD_CONFIG' && !known.has(name));
  if (unknown.length > 0) throw new Error(`${where}: the gateway reads no ${unknown.join(', ')}`);
}

/** The `SWITCHBOARD_*: "value"` lines of compose.yaml's environment maps (the form used there). */
export function composeGatewayEnvironment(root) {
  const text = readFileSync(join(root, 'compose.yaml'), 'utf8');
  return Object.fromEntries(
    [...text.matchAll(/^\s+(SWITCHBOARD_[A-Z0-9_]+):\s*"?([^"\s#]+)"?/gm)].map(([, key, value]) => [
      key,
      value,
    ]),
  );
}
