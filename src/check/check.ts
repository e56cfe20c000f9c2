// The checker: every rule of docs/language.md ("The checks", 1–12), in the
// order each needs the last. It never throws on user input and never reads the data.
import type { FlowFile } from "../ast/nodes.js";
import type { Result } from "../diagnostics/diagnostic.js";
import { countParams } from "../estimate/index.js";
import type { CheckedProgram, TrainAnalysis } from "./analysis.js";
import { buildSymbols } from "./decls.js";
import { extractProgram } from "./extract.js";
import { Reporter } from "./report.js";
import { checkAsserts } from "./rules/asserts.js";
import { checkDecontamination, checkTokenizers } from "./rules/consistency.js";
import { checkEpochs } from "./rules/epochs.js";
import { checkMixSum } from "./rules/mix.js";
import { checkCompute, checkMemory, checkPrecisionBackend, gpuOf, modelShape, resolveParallel } from "./rules/resources.js";
import { resolveTrainSchedule, stageEnds } from "./rules/stages.js";

export function checkFiles(files: readonly FlowFile[]): Result<CheckedProgram> {
  const r = new Reporter();
  const symbols = buildSymbols(files, r);
  const { program: decls, ev } = extractProgram(symbols, r);
  const analyses = new Map<string, TrainAnalysis>();

  for (const train of decls.trains.values()) {
    const model = decls.models.get(train.model);
    const cluster = decls.clusters.get(train.cluster);
    // Rule 3 for every stage, even when other parts of the run are broken.
    const mixesOk = train.stages.map((s) => s.mixValid && checkMixSum(train, s, r)).every(Boolean);
    checkTokenizers(decls, train, r);
    if (!model || !cluster) continue;
    const gpu = gpuOf(cluster, r);
    if (!gpu) continue;
    const precisionOk = checkPrecisionBackend(train, cluster, gpu, r);
    const ends = stageEnds(train, r);
    const par = resolveParallel(train, model, cluster, gpu, r);
    if (!ends || !par || !mixesOk) continue;
    const schedule = resolveTrainSchedule(train, model, par.config.dp, ends, r);
    if (!schedule) continue;
    const datasets = checkEpochs(decls, train, schedule, r);
    const memory = precisionOk ? checkMemory(train, model, cluster, gpu, par.config, schedule, r) : undefined;
    const compute = precisionOk ? checkCompute(train, model, cluster, gpu, par.config, schedule, r) : undefined;
    analyses.set(train.name, {
      train, model, cluster, gpu, parallel: par.config, planner: par.planner, schedule, ends, datasets, memory, compute,
      params: countParams(modelShape(model)),
    });
  }
  checkDecontamination(decls, r);
  const asserts = r.errorCount === 0 ? checkAsserts(decls.asserts, { analyses, ev, r }) : [];
  return { value: { decls, symbols, analyses, asserts }, diagnostics: r.diagnostics };
}
