import { checkTextName, Name } from '@switchboard/core';
import type { IrcConnection } from './irc-connection.ts';
import { login } from './irc-login.ts';
import type { Registration } from './irc-registration.ts';
import { ERR, RPL } from './irc-replies.ts';

/** AUTHENTICATE sends base64 in pieces of 400; PLAIN with a 256-byte name and password fits in 3. */
const SASL_CHUNK = 400;
const MAX_SASL_BASE64 = 4 * SASL_CHUNK;

/**
 * SASL PLAIN (IRCv3): `AUTHENTICATE PLAIN`, `+`, then the base64 credentials in pieces. A success
 * binds the session to the account before registration ends (900, 903); a failure (904) leaves
 * the client free to go on as a guest.
 */
export async function authenticate(
  connection: IrcConnection,
  registration: Registration,
  params: readonly string[],
): Promise<void> {
  const data = params[0];
  if (data === undefined) {
    connection.numeric(ERR.NEEDMOREPARAMS, 'AUTHENTICATE', 'Not enough parameters');
    return;
  }
  if (registration.account) {
    connection.numeric(ERR.SASLALREADY, 'You have already authenticated using SASL');
    return;
  }
  if (data === '*') {
    resetSasl(registration);
    connection.numeric(ERR.SASLABORTED, 'SASL authentication aborted');
    return;
  }
  if (registration.saslMechanism === null) {
    if (data.toUpperCase() !== 'PLAIN') {
      connection.numeric(RPL.SASLMECHS, 'PLAIN', 'are available SASL mechanisms');
      connection.numeric(ERR.SASLFAIL, 'SASL authentication failed');
      return;
    }
    registration.saslMechanism = 'PLAIN';
    connection.send(connection.directory.replies.command('AUTHENTICATE', '+'));
    return;
  }
  if (data !== '+') registration.saslBuffer += data;
  if (registration.saslBuffer.length > MAX_SASL_BASE64) {
    resetSasl(registration);
    connection.numeric(ERR.SASLTOOLONG, 'SASL message too long');
    return;
  }
  // A piece of exactly 400 says more is coming (an empty `+` ends a multiple of 400).
  if (data.length === SASL_CHUNK) return;
  const credentials = parsePlain(registration.saslBuffer);
  resetSasl(registration);
  if (credentials === null) {
    connection.numeric(ERR.SASLFAIL, 'SASL authentication failed');
    return;
  }
  const outcome = await login(connection, credentials.account, credentials.password);
  if (outcome === 'ok') {
    registration.account = credentials.account;
    const account = connection.directory.nickOf(credentials.account);
    const mask = `${account}!chat@${connection.directory.options.serverName}`;
    connection.numeric(RPL.LOGGEDIN, mask, account, `You are now logged in as ${account}`);
    connection.numeric(RPL.SASLSUCCESS, 'SASL authentication successful');
  } else {
    connection.numeric(ERR.SASLFAIL, `SASL authentication failed${outcome === null ? '' : `: ${outcome}`}`);
  }
}

function resetSasl(registration: Registration): void {
  registration.saslMechanism = null;
  registration.saslBuffer = '';
}

/** `authzid NUL authcid NUL password`, base64; the account is authcid (or authzid when empty). */
function parsePlain(base64: string): { account: Name; password: string } | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) return null;
  const parts = Buffer.from(base64, 'base64').toString('utf8').split('\u0000');
  if (parts.length !== 3) return null;
  const [authzid, authcid, password] = parts as [string, string, string];
  const account = authcid.length > 0 ? authcid : authzid;
  if (checkTextName(account) !== null || password.length === 0) return null;
  return { account: Name.fromText(account), password };
}
