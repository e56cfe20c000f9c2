// The first half of every command that needs a plan: load, check and lower FILE through the one
// pipeline, print its diagnostics, and give back the plan — or the exit code when there is none.
import * as path from "node:path";
import { displayPath } from "../diagnostics/paths.js";
import { planPath, type WithPlan } from "../pipeline.js";
import { EXIT, cannotRead, reportDiagnostics, type Context } from "./context.js";

export type Planned = WithPlan & { readonly file: string };

/** FILE (relative to the command's cwd) planned, its diagnostics printed; an exit code when it has no plan. */
export function planned(ctx: Context, positional: string | undefined): Planned | number {
  const file = path.resolve(ctx.cwd, positional ?? "");
  const res = planPath(file);
  if (res.entryProblem) return cannotRead(ctx, displayPath(file, ctx.cwd), res.entryProblem);
  reportDiagnostics(ctx, res.diagnostics, res.texts);
  if (res.plan === undefined) return EXIT.failed;
  return { ...res, plan: res.plan, file };
}
