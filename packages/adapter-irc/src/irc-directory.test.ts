import { Name, silentLogger } from '@switchboard/core';
import { createTestHub } from '@switchboard/core/testing';
import { describe, expect, it } from 'vitest';
import { IrcDirectory } from './irc-directory.ts';
import { ircOptionsSchema } from './irc-options.ts';

const sink = { deliver() {}, replaced() {} };

describe('IrcDirectory listings', () => {
  it('shares one listing per turn, forgets it when an IRC user takes a name, and renews it next turn', async () => {
    const hub = createTestHub();
    const directory = new IrcDirectory(hub, silentLogger, ircOptionsSchema.parse({}));
    const first = hub.open('other', 'x', sink)!;
    await first.claimGuest(Name.fromText('first'));
    const listing = directory.activeNames();
    expect(directory.activeNames()).toBe(listing);
    const second = hub.open('irc', 'x', sink)!;
    await second.claimGuest(Name.fromText('second'));
    expect((await directory.activeNames()).map((name) => name.text)).toEqual(['first']);
    expect(await directory.isActive(Name.fromText('second'))).toBe(false);
    directory.forgetListing();
    expect((await directory.activeNames()).map((name) => name.text)).toEqual(['first', 'second']);
    expect(await directory.isActive(Name.fromText('second'))).toBe(true);
    first.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await directory.isActive(Name.fromText('first'))).toBe(false);
    hub.close();
  });
});
