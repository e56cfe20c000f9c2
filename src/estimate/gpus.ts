// The GPU catalog: memory, dense peak throughput, FP8 support, and the MFU flowc assumes when it
// plans (steady-state MFU of well-tuned FSDP/Megatron runs, the published figures of docs/estimators.md,
// less a goodput allowance). Memory as the driver reports it (nvidia-smi MiB).
export interface GpuSpec {
  readonly name: string;
  readonly memoryBytes: number;
  /** Dense bf16 tensor-core peak, FLOP/s (no sparsity). */
  readonly bf16PeakFlops: number;
  /** Dense fp8 peak, FLOP/s, where the GPU has FP8 tensor cores. */
  readonly fp8PeakFlops?: number;
  readonly supportsFp8: boolean;
  readonly mfuAssumed: number;
}

const MiB = 2 ** 20;

export const GPU_CATALOG: Readonly<Record<string, GpuSpec>> = {
  // H100 SXM: 989 TFLOP/s bf16, 1979 fp8 dense (NVIDIA datasheet); 81,559 MiB seen on this
  // workplace's H100 (nvidia-smi). MFU 40%: torchtitan/llm-foundry see 38–57% steady.
  "H100-80GB": { name: "H100-80GB", memoryBytes: 81_559 * MiB, bf16PeakFlops: 989e12, fp8PeakFlops: 1979e12, supportsFp8: true, mfuAssumed: 0.4 },
  // H200: same compute as H100 SXM, 141 GB HBM3e (143,771 MiB seen here).
  "H200-141GB": { name: "H200-141GB", memoryBytes: 143_771 * MiB, bf16PeakFlops: 989e12, fp8PeakFlops: 1979e12, supportsFp8: true, mfuAssumed: 0.4 },
  // A100: 312 TFLOP/s bf16, no FP8 (Ampere).
  "A100-80GB": { name: "A100-80GB", memoryBytes: 81_920 * MiB, bf16PeakFlops: 312e12, supportsFp8: false, mfuAssumed: 0.45 },
  "A100-40GB": { name: "A100-40GB", memoryBytes: 40_960 * MiB, bf16PeakFlops: 312e12, supportsFp8: false, mfuAssumed: 0.45 },
  // B200: 2.25 PFLOP/s bf16, 4.5 fp8 dense; 192 GB HBM3e (about 183 GiB usable reported).
  "B200-192GB": { name: "B200-192GB", memoryBytes: 183 * 1024 * MiB, bf16PeakFlops: 2250e12, fp8PeakFlops: 4500e12, supportsFp8: true, mfuAssumed: 0.35 },
  // CPU ranks under gloo (tests, laptops): a nominal 8 GiB of RAM per rank and a nominal fp32 peak
  // of 200 GFLOP/s per rank, the order seen on this project's 2-core machines.
  cpu: { name: "cpu", memoryBytes: 8 * 1024 * MiB, bf16PeakFlops: 200e9, supportsFp8: false, mfuAssumed: 0.3 },
};

export function lookupGpu(name: string): GpuSpec | undefined {
  return GPU_CATALOG[name];
}

/** Ranks (processes) per node: one per GPU, or the CPU ranks of a GPU-less cluster. */
export function ranksPerNode(c: { readonly gpusPerNode: number; readonly ranksPerNode?: number | undefined }): number {
  return c.gpusPerNode > 0 ? c.gpusPerNode : c.ranksPerNode ?? 1;
}
