import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IsaError } from '../../src/isa/errors.js';
import { insn } from '../../src/isa/insn.js';
import { BPF_F_STRICT_ALIGNMENT, BPF_F_TEST_STATE_FREQ, makeProgram } from '../../src/isa/program.js';
import {
  formatFlags, parseFlags, programFromAsm, programFromJson, programToAsm, programToJson, readProgramFile, writeProgramFile,
} from '../../src/isa/programFile.js';
import { prng, randomProgram } from './kernelCorpus.js';

const dir = mkdtempSync(join(tmpdir(), 'verihist-pf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sample = makeProgram(
  [insn(0x18, 1, 5, 0, 0), insn(0, 0, 0, 0, 0), insn(0xb7, 0, 0, 0, 0), insn(0x07, 1, 0, 3, 5), insn(0x95, 0, 0, 0, 0)],
  { name: 'sample', progType: 'xdp', flags: BPF_F_TEST_STATE_FREQ | BPF_F_STRICT_ALIGNMENT,
    maps: [{ name: 'm', type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 }] },
);

describe('program files', () => {
  it('formats and parses flags', () => {
    expect(formatFlags(0)).toBe('0');
    expect(formatFlags(BPF_F_TEST_STATE_FREQ | 0x1000)).toBe('BPF_F_TEST_STATE_FREQ | 0x1000');
    expect(parseFlags('BPF_F_TEST_STATE_FREQ | BPF_F_STRICT_ALIGNMENT')).toBe(9);
    expect(parseFlags(['test_state_freq'])).toBe(8);
    expect(parseFlags('0x8')).toBe(8);
    expect(() => parseFlags('BPF_F_NOPE')).toThrow(/unknown flag/);
  });

  it('round trips BTF func info through .s and .json', () => {
    const p = makeProgram([insn(0x85, 0, 1, 0, 1), insn(0x95, 0, 0, 0, 0), insn(0xb7, 0, 0, 0, 0), insn(0x95, 0, 0, 0, 0)],
      { name: 'f', funcs: [{ linkage: 'static', params: 1 }, { linkage: 'global', params: 2 }] });
    expect(programToAsm(p)).toContain('; funcs: static/1 global/2\n');
    expect(programToJson(p).funcs).toBe('static/1 global/2');
    for (const ext of ['s', 'json']) {
      const path = join(dir, `funcs.${ext}`);
      writeProgramFile(path, p);
      expect(readProgramFile(path)).toEqual(p);
    }
    expect(() => programFromAsm('; funcs: global/7\nexit\n', 'x.s')).toThrow(/x\.s:1: bad func 'global\/7'/);
  });

  it('round trips .s, .json and .bin exactly', () => {
    for (const ext of ['s', 'json']) {
      const path = join(dir, `sample.${ext}`);
      writeProgramFile(path, sample);
      expect(readProgramFile(path)).toEqual(sample);
    }
    const bin = join(dir, 'sample.bin');
    writeProgramFile(bin, sample);
    expect(readFileSync(bin)).toHaveLength(40);
    expect(readProgramFile(bin)).toEqual({ ...sample, progType: 'socket', flags: 0, maps: [] });
    const rnd = prng(3);
    for (let n = 0; n < 50; n++) {
      const p = makeProgram(randomProgram(rnd, 20), { name: `r${n}` });
      expect(programFromAsm(programToAsm(p))).toEqual(p);
      expect(programFromJson(JSON.parse(JSON.stringify(programToJson(p))))).toEqual(p);
    }
  });

  it('writes readable .s with a header and raw slots only where needed', () => {
    const text = programToAsm(sample);
    expect(text).toBe([
      '; name: sample', '; type: xdp', '; flags: BPF_F_STRICT_ALIGNMENT | BPF_F_TEST_STATE_FREQ',
      '; map: m array key=4 value=8 max=1',
      '0: .insn 0x18, 1, 5, 0, 0  // (18) r1 = 0x0', '1: .insn 0x00, 0, 0, 0, 0',
      '2: (b7) r0 = 0', '3: .insn 0x07, 1, 0, 3, 5  // (07) r1 += 5', '4: (95) exit', '',
    ].join('\n'));
  });

  it('reads hand-written files with the header convention', () => {
    const path = join(dir, 'hand.s');
    writeFileSync(path, '; type: raw_tp\n; flags: BPF_F_TEST_STATE_FREQ\n; just a comment\nr0 = 0;\nexit;\n');
    expect(readProgramFile(path)).toEqual(makeProgram([insn(0xb7, 0, 0, 0, 0), insn(0x95, 0, 0, 0, 0)],
      { name: 'hand', progType: 'raw_tp', flags: 8 }));
    const j = join(dir, 'hand.json');
    writeFileSync(j, JSON.stringify({ type: 'kprobe', flags: 'BPF_F_TEST_STATE_FREQ', asm: 'r0 = 1\nexit' }));
    expect(readProgramFile(j)).toEqual(makeProgram([insn(0xb7, 0, 0, 0, 1), insn(0x95, 0, 0, 0, 0)],
      { name: 'hand', progType: 'kprobe', flags: 8 }));
  });

  it('reports errors as IsaError with file and line or insn', () => {
    const bad = (name: string, content: string | Uint8Array): string => {
      const path = join(dir, name);
      writeFileSync(path, content);
      try {
        readProgramFile(path);
      } catch (e) {
        expect(e).toBeInstanceOf(IsaError);
        return (e as Error).message.replace(dir + '/', '');
      }
      throw new Error('no error');
    };
    expect(bad('e1.s', 'r0 = 0\nfoo r1\n')).toBe("e1.s:2: unknown mnemonic 'foo'");
    expect(bad('e2.s', '; type: socket\n; type: bogus\n')).toMatch(/^e2\.s:2: unknown program type/);
    expect(bad('e3.bin', new Uint8Array(12))).toMatch(/^e3\.bin: truncated instruction at byte offset 8 \(insn 1\)/);
    expect(bad('e4.json', '{')).toMatch(/^e4\.json: invalid JSON/);
    expect(bad('e5.json', '{"asm": "r0 = 0\\nexit\\nbad"}')).toBe("e5.json:3: unknown mnemonic 'bad'");
    expect(bad('e6.json', '{"name": 3, "asm": "exit"}')).toMatch(/^e6\.json: "name" must be a string/);
    expect(bad('e7.txt', 'x')).toMatch(/unknown program file extension/);
    expect(() => writeProgramFile(join(dir, 'w.bin'), makeProgram([insn(0xb7, 0, 0, 0, 2 ** 40)])))
      .toThrow(/w\.bin: insn 0: imm .* out of range/);
  });
});
