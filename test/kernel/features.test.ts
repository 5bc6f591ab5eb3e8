import { describe, expect, it } from 'vitest';
import { kernelSupports, missingFeatures, releaseVersion } from '../../src/kernel/features.js';
import { generatePrograms } from '../../generators/index.js';
import { BPF_JCOND, BPF_JMP } from '../../src/isa/opcode.js';
import type { Program } from '../../src/isa/program.js';

const usesMayGoto = (p: Program): boolean => p.insns.some((i) => i.code === (BPF_JMP | BPF_JCOND));

describe('kernel features by release', () => {
  it('reads major.minor from Debian and plain releases', () => {
    expect(releaseVersion('6.12.118+deb12-cloud-amd64')).toEqual([6, 12]);
    expect(releaseVersion('6.1.0-57-cloud-amd64')).toEqual([6, 1]);
    expect(releaseVersion('6.18.44-fc-v1272')).toEqual([6, 18]);
    expect(releaseVersion('weird')).toBeNull();
  });

  it('may_goto arrived in 6.9 (6.1 rejects it as "unknown opcode e5")', () => {
    expect(kernelSupports('6.1.0-57-cloud-amd64', 'may_goto')).toBe(false);
    expect(kernelSupports('6.8.0', 'may_goto')).toBe(false);
    expect(kernelSupports('6.9.0', 'may_goto')).toBe(true);
    expect(kernelSupports('6.12.118+deb12-cloud-amd64', 'may_goto')).toBe(true);
    expect(kernelSupports('7.0.1', 'may_goto')).toBe(true);
  });

  it('generating for 6.1 leaves may_goto out; for 6.12 the loops preset still uses it', () => {
    const for61 = generatePrograms({ preset: 'loops', count: 60, seed: 21, release: '6.1.0-57-cloud-amd64' }).programs;
    const for612 = generatePrograms({ preset: 'loops', count: 60, seed: 21, release: '6.12.118+deb12-cloud-amd64' }).programs;
    const plain = generatePrograms({ preset: 'loops', count: 60, seed: 21 }).programs;
    expect(for61.some(usesMayGoto)).toBe(false);
    expect(for61.every((p) => missingFeatures('6.1.0-57-cloud-amd64', p).length === 0)).toBe(true);
    expect(for612.filter(usesMayGoto).length).toBeGreaterThan(10);
    // a release that has everything generates exactly the default programs
    expect(for612.map((p) => p.insns)).toEqual(plain.map((p) => p.insns));
  });

  it('names what a program needs that a release lacks', () => {
    const p = generatePrograms({ preset: 'loops', count: 60, seed: 21 }).programs.find(usesMayGoto) as Program;
    expect(missingFeatures('6.1.0-57-cloud-amd64', p).map((f) => f.name)).toEqual(['may_goto']);
    expect(missingFeatures('6.12.118+deb12-cloud-amd64', p)).toEqual([]);
  });
});
