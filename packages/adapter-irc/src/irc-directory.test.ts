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

  it('shows a name an IRC user of this server took in the listing of the turn, in order, without listing again', async () => {
    const hub = createTestHub();
    const directory = new IrcDirectory(hub, silentLogger, ircOptionsSchema.parse({}));
    for (const text of ['bea', 'dan']) await hub.open('other', 'x', sink)!.claimGuest(Name.fromText(text));
    const listing = directory.activeNames();
    expect((await listing).map((name) => name.text)).toEqual(['bea', 'dan']);
    const joiner = hub.open('irc', 'x', sink)!;
    await joiner.claimGuest(Name.fromText('cy'));
    directory.noteActive(Name.fromText('cy'));
    directory.noteActive(Name.fromText('cy'));
    expect(directory.activeNames()).toBe(listing);
    expect(await directory.activeNicks()).toEqual(['bea', 'cy', 'dan']);
    expect(await directory.isActive(Name.fromText('cy'))).toBe(true);
    // Before this turn's listing is in, the next one is simply asked for anew.
    await new Promise((resolve) => setImmediate(resolve));
    await hub.open('irc', 'x', sink)!.claimGuest(Name.fromText('al'));
    const pending = directory.activeNames();
    directory.noteActive(Name.fromText('al'));
    expect(directory.activeNames()).not.toBe(pending);
    expect((await directory.activeNames()).map((name) => name.text)).toEqual(['al', 'bea', 'cy', 'dan']);
    hub.close();
  });
});
