import { describe, expect, it } from 'vitest';
import { Fifo } from './fifo.ts';

describe('Fifo', () => {
  it('gives items back in the order they came', () => {
    const fifo = new Fifo<number>();
    expect(fifo.take()).toBeUndefined();
    for (let i = 0; i < 5_000; i++) fifo.push(i);
    for (let i = 0; i < 3_000; i++) expect(fifo.take()).toBe(i);
    fifo.push(5_000);
    expect(fifo.length).toBe(2_001);
    for (let i = 3_000; i <= 5_000; i++) expect(fifo.take()).toBe(i);
    expect(fifo.length).toBe(0);
    expect(fifo.take()).toBeUndefined();
  });

  it('empties on clear', () => {
    const fifo = new Fifo<string>();
    fifo.push('a');
    fifo.push('b');
    fifo.take();
    fifo.clear();
    expect(fifo.length).toBe(0);
    fifo.push('c');
    expect(fifo.take()).toBe('c');
  });

  it('takes a hundred thousand items in linear time', () => {
    const fifo = new Fifo<number>();
    for (let i = 0; i < 100_000; i++) fifo.push(i);
    const started = performance.now();
    let sum = 0;
    for (let item = fifo.take(); item !== undefined; item = fifo.take()) sum += item;
    expect(sum).toBe((99_999 * 100_000) / 2);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
