import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAdapter } from './adapter.ts';
import { adapterDefinitionProblem, isAdapterDefinition } from './check-adapter.ts';

const valid = defineAdapter({
  name: 'line-echo',
  defaultPort: 7979,
  optionsSchema: z.object({ greeting: z.string().default('hi') }),
  start: async () => ({ port: 7979, close: async () => {} }),
});

describe('adapterDefinitionProblem', () => {
  it('accepts a definition made with defineAdapter', () => {
    expect(adapterDefinitionProblem(valid)).toBeNull();
    expect(isAdapterDefinition(valid)).toBe(true);
  });

  it.each([
    [null, 'not an object'],
    ['irc', 'not an object'],
    [{ ...valid, name: undefined }, 'no name'],
    [{ ...valid, name: 'Echo' }, 'name "Echo" is not lower-case letters, digits and inner dashes'],
    [{ ...valid, name: 'echo-' }, 'name "echo-" is not lower-case letters, digits and inner dashes'],
    [{ ...valid, name: 'e_cho' }, 'name "e_cho" is not lower-case letters, digits and inner dashes'],
    [{ ...valid, defaultPort: 0 }, 'defaultPort 0 is not a port (1-65535)'],
    [{ ...valid, defaultPort: 65_536 }, 'defaultPort 65536 is not a port (1-65535)'],
    [{ ...valid, defaultPort: '7979' }, 'defaultPort 7979 is not a port (1-65535)'],
    [{ ...valid, optionsSchema: {} }, 'optionsSchema is not a zod schema'],
    [{ ...valid, start: 'go' }, 'start is not a function'],
    [{ ...valid, terminalClient: {} }, 'terminalClient is not a function'],
  ])('refuses %j: %s', (value, problem) => {
    expect(adapterDefinitionProblem(value)).toBe(problem);
    expect(isAdapterDefinition(value)).toBe(false);
  });
});
