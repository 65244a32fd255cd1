export { IrcTestClient, nickOfPrefix, type ServerLine } from './irc-client.ts';
export { ircDriver, ircDriver as driver } from './irc-driver.ts';
export { IrcHarness, type IrcHarnessOptions, sleep, waitFor } from './irc-harness.ts';
