// The memory breakdown as lines of text, shared by the OOM diagnostic and `flowc plan`.
import { gib } from "../units/print.js";
import type { MemoryBreakdown } from "./memory.js";

/** Two lines: the model states and activations, then the stated overheads. */
export function memoryLines(m: MemoryBreakdown): string[] {
  return [
    `weights ${gib(m.weights)}, gradients ${gib(m.gradients)}, optimizer ${gib(m.optimizer)}, activations ${gib(m.activations)}, logits ${gib(m.logits)}`,
    `overheads: CUDA context ${gib(m.overheads.cudaContext)}, NCCL ${gib(m.overheads.nccl)}, fragmentation ${gib(m.overheads.fragmentation)}`,
  ];
}
