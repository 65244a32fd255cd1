import { describe, expect, it } from 'vitest';
import { BatchedLookup } from './batched-lookup.ts';

/** A lookup that finds keys starting with "on", and records what each run was asked. */
function recordingLookup(fail = false) {
  const runs: string[][] = [];
  const lookup = new BatchedLookup<string>(async (keys) => {
    runs.push([...keys]);
    if (fail) throw new Error('redis is down');
    return new Set(keys.filter((key) => key.startsWith('on')));
  });
  return { runs, lookup };
}

describe('BatchedLookup', () => {
  it('answers the lookups of one turn with one run, each caller with its own part', async () => {
    const { runs, lookup } = recordingLookup();
    const answers = await Promise.all([
      lookup.find(['on-a', 'off-b']),
      lookup.find(['off-c']),
      lookup.find(['on-a', 'on-d']),
    ]);
    expect(answers.map((found) => [...found].sort())).toEqual([['on-a'], [], ['on-a', 'on-d']]);
    expect(runs).toEqual([['on-a', 'off-b', 'off-c', 'on-d']]);
  });

  it('starts a new run for lookups asked after the previous run began', async () => {
    const { runs, lookup } = recordingLookup();
    expect([...(await lookup.find(['on-a']))]).toEqual(['on-a']);
    expect([...(await lookup.find(['off-b', 'on-c']))]).toEqual(['on-c']);
    expect(runs).toEqual([['on-a'], ['off-b', 'on-c']]);
  });

  it('rejects every caller of a failed run, and the next turn tries again', async () => {
    const failing = recordingLookup(true);
    const results = await Promise.allSettled([failing.lookup.find(['on-a']), failing.lookup.find(['on-b'])]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(failing.runs).toHaveLength(1);
    await expect(failing.lookup.find(['on-c'])).rejects.toThrow('redis is down');
    expect(failing.runs).toHaveLength(2);
  });
});
