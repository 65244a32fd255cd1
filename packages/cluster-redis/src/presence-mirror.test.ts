import { describe, expect, it } from 'vitest';
import { type NodeSnapshot, PresenceMirror } from './presence-mirror.ts';

const snapshot = (nodeId: string, seq: number, names: Record<string, number>): NodeSnapshot => ({
  nodeId,
  seq,
  names: new Map(Object.entries(names)),
  sessions: new Map(),
  rooms: new Set(),
});

describe('PresenceMirror', () => {
  it('applies numbered events in order, reports gaps, repeats and unknown nodes', () => {
    const mirror = new PresenceMirror();
    expect(mirror.apply('b', { kind: 'name-added', seq: 1, name: 'x', token: 5 }, 0)).toBe('unknown');
    mirror.replace(snapshot('b', 3, {}), 0);
    expect(mirror.apply('b', { kind: 'name-added', seq: 4, name: 'x', token: 5 }, 0)).toBe('applied');
    expect(mirror.holds('x')).toBe(true);
    expect(mirror.apply('b', { kind: 'name-removed', seq: 4, name: 'x' }, 0)).toBe('stale');
    expect(mirror.holds('x')).toBe(true);
    expect(mirror.apply('b', { kind: 'name-removed', seq: 6, name: 'x' }, 0)).toBe('gap');
    expect(mirror.holds('x')).toBe(true);
    expect(mirror.apply('b', { kind: 'beat', seq: 4, leaving: false }, 0)).toBe('applied');
    expect(mirror.apply('b', { kind: 'beat', seq: 5, leaving: false }, 0)).toBe('gap');
    expect(mirror.apply('b', { kind: 'beat', seq: 2, leaving: false }, 0)).toBe('behind');
    expect(mirror.seqOf('b')).toBe(4);
  });

  it('routes a guest name to its newest claim only, a registered name to every holder', () => {
    const mirror = new PresenceMirror();
    mirror.replace(snapshot('b', 1, { guest: 10, reg: 0 }), 0);
    mirror.replace(snapshot('c', 1, { guest: 20, reg: 0 }), 0);
    expect(mirror.route('guest', undefined)).toEqual(['c']);
    expect([...mirror.route('reg', undefined)].sort()).toEqual(['b', 'c']);
    // A newer claim held here wins; an older one does not.
    expect(mirror.route('guest', 30)).toEqual([]);
    expect(mirror.route('guest', 15)).toEqual(['c']);
    // This node's account against remote guests: the account wins.
    expect(mirror.route('guest', 0)).toEqual([]);
    expect([...mirror.route('reg', 0)].sort()).toEqual(['b', 'c']);
    mirror.apply('c', { kind: 'name-removed', seq: 2, name: 'guest' }, 0);
    expect(mirror.route('guest', undefined)).toEqual(['b']);
    expect(mirror.route('nobody', undefined)).toEqual([]);
  });

  it('forgets a node that stopped beating, and tells who cares which names are gone', () => {
    const mirror = new PresenceMirror();
    const gone: string[] = [];
    mirror.onNameGone = (name) => gone.push(name);
    mirror.replace(snapshot('b', 1, { x: 1, shared: 0 }), 0);
    mirror.replace(snapshot('c', 1, { shared: 0 }), 0);
    mirror.apply('c', { kind: 'beat', seq: 1, leaving: false }, 900);
    expect(mirror.dropSilent(500)).toEqual(['b']);
    expect(gone).toEqual(['x']);
    expect(mirror.holds('shared')).toBe(true);
    expect(mirror.size).toBe(1);
    mirror.apply('c', { kind: 'beat', seq: 1, leaving: true }, 1000);
    expect(mirror.knows('c')).toBe(false);
    expect(mirror.size).toBe(0);
  });

  it('keeps sessions per node, deleting only the matching session', () => {
    const mirror = new PresenceMirror();
    mirror.replace(snapshot('b', 0, {}), 0);
    mirror.apply('b', { kind: 'session-set', seq: 1, clientId: 'c1', sessionId: 's1' }, 0);
    mirror.apply('b', { kind: 'session-deleted', seq: 2, clientId: 'c1', sessionId: 'old' }, 0);
    expect([...mirror.sessions()]).toEqual([['c1', 's1']]);
    mirror.apply('b', { kind: 'session-deleted', seq: 3, clientId: 'c1', sessionId: 's1' }, 0);
    expect([...mirror.sessions()]).toEqual([]);
  });
});
