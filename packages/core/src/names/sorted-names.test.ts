import { describe, expect, it } from 'vitest';
import { Name, sortNames } from './name.ts';
import { SortedNames } from './sorted-names.ts';

const keys = (names: Name[]) => names.map((name) => name.key);

describe('SortedNames', () => {
  it('keeps names sorted by bytes whatever order they come and go in', () => {
    const sorted = new SortedNames();
    const all = ['m', 'a', 'z', 'é', 'B', '\u0000x', 'ab', '😀', 'aa'].map((text) => Name.fromText(text));
    for (const name of all) sorted.add(name);
    expect(keys(sorted.toArray())).toEqual(keys(sortNames(all)));
    sorted.delete(Name.fromText('a').key);
    sorted.delete(Name.fromText('😀').key);
    expect(keys(sorted.toArray())).toEqual(
      keys(sortNames(all.filter((name) => name.text !== 'a' && name.text !== '😀'))),
    );
    expect(sorted.size).toBe(all.length - 2);
  });

  it('holds each name once and ignores removing a name it does not hold', () => {
    const sorted = new SortedNames();
    sorted.add(Name.fromText('bob'));
    sorted.add(Name.fromText('bob'));
    sorted.delete('alice');
    expect(keys(sorted.toArray())).toEqual(['bob']);
  });

  it('hands out snapshots that later changes do not reach', () => {
    const sorted = new SortedNames();
    sorted.add(Name.fromText('bob'));
    const snapshot = sorted.toArray();
    sorted.add(Name.fromText('alice'));
    sorted.delete('bob');
    expect(keys(snapshot)).toEqual(['bob']);
    expect(keys(sorted.toArray())).toEqual(['alice']);
  });

  it('agrees with a full sort over thousands of random byte names', () => {
    const sorted = new SortedNames();
    const live = new Map<string, Name>();
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed;
    };
    for (let step = 0; step < 5_000; step += 1) {
      const bytes = Buffer.from(Array.from({ length: 1 + (random() % 3) }, () => random() % 256));
      const name = Name.fromBytes(bytes);
      if (random() % 3 === 0) {
        sorted.delete(name.key);
        live.delete(name.key);
      } else {
        sorted.add(name);
        live.set(name.key, name);
      }
    }
    expect(keys(sorted.toArray())).toEqual(keys(sortNames(live.values())));
  });
});
