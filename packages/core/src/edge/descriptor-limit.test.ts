import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  descriptorSoftLimit,
  maxConnectionsForDescriptors,
  openDescriptorCount,
} from './descriptor-limit.ts';

describe('descriptor limits', () => {
  it('reads the soft limit of "Max open files"', () => {
    const dir = mkdtempSync(join(tmpdir(), 'limits-'));
    const file = join(dir, 'limits');
    writeFileSync(
      file,
      'Limit                     Soft Limit           Hard Limit           Units     \n' +
        'Max processes             63448                63448                processes \n' +
        'Max open files            4096                 524288               files     \n',
    );
    expect(descriptorSoftLimit(file)).toBe(4096);
    writeFileSync(file, 'Max open files            unlimited            unlimited            files     \n');
    expect(descriptorSoftLimit(file)).toBeNull();
    expect(descriptorSoftLimit(join(dir, 'missing'))).toBeNull();
    rmSync(dir, { recursive: true });
  });

  it('this process has a limit above the descriptors it has open', () => {
    const limit = descriptorSoftLimit();
    const open = openDescriptorCount();
    if (limit === null || open === null) return; // not Linux
    expect(open).toBeGreaterThan(2);
    expect(open).toBeLessThan(limit);
  });

  it('the default connection limit leaves a reserve and never passes the ceiling', () => {
    expect(maxConnectionsForDescriptors(1_024, 200_000)).toBe(896);
    expect(maxConnectionsForDescriptors(65_536, 200_000)).toBe(61_440);
    expect(maxConnectionsForDescriptors(1_048_576, 200_000)).toBe(200_000);
    expect(maxConnectionsForDescriptors(100, 200_000)).toBe(1);
    expect(maxConnectionsForDescriptors(null, 200_000)).toBe(200_000);
  });
});
