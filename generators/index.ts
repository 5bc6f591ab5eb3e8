// Public surface of the program generators.
export type { Block, AluStep, CallArg, CallUse, ProgramTree, RiskyKind, SpillSize } from './tree.js';
export { RISKY_KINDS } from './tree.js';
export { PRESETS, PRESET_NAMES, getPreset, presetForKernel, type Preset, type PresetName } from './presets.js';
export { programArb } from './arbitraries.js';
export { renderProgram, renderInsns, NSLOTS, MAX_CALL_LEVEL } from './render.js';
export { generatePrograms, generatorSpeed, type GenerateOptions, type Generated } from './generate.js';
export {
  coverageFromLog, coverageFromResult, CountingHistory, COVERAGE_KEYS, emptySummary, addToSummary,
  type CoverageFlags, type CoverageSummary, type HistoryCounts,
} from './coverage.js';
export { shrinkTree, shrinkableProgramArb, treeSize, isProgramTree } from './shrink.js';
