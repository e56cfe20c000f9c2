// The `cluster` declaration: scheduler, nodes, GPUs, walltime, budget, SSH.
import * as R from "../../units/rational.js";
import { BlockReader } from "../blockReader.js";
import type { Decl } from "../decls.js";
import type { Reporter } from "../report.js";
import type * as T from "../typed.js";
import { Evaluator } from "../values.js";
import * as W from "../../language/words.js";
import { attributesOf } from "../../language/vocabulary.js";
import { errorExpr, int, num, optString, what } from "./common.js";

export function readCluster(d: Decl, ev: Evaluator, r: Reporter): T.ClusterT | undefined {
  const b = new BlockReader(r, d.block, {
    what: what(d),
    attrs: attributesOf("cluster"),
  });
  const scheduler = ev.word(b.required("scheduler") ?? errorExpr(d), W.SCHEDULERS) as T.ClusterT["scheduler"] | undefined;
  const nodes = int(ev, b.required("nodes"));
  const gpusE = b.required("gpus_per_node");
  const gpusPerNode = int(ev, gpusE, 0n);
  const gpuNode = b.required("gpu");
  const gpu = gpuNode && ev.string(gpuNode);
  const mw = b.get("max_walltime");
  const maxWalltime = mw && ev.dimensioned(mw, "duration", false);
  if (maxWalltime && R.cmp(maxWalltime, R.ZERO) <= 0) r.report("E0112", mw!, "`max_walltime` must be positive.", { help: "give the cluster's job time limit, e.g. `max_walltime = 48h`" });
  const budgetNode = b.get("budget");
  const budget = budgetNode && ev.dimensioned(budgetNode, "gpu_hours", true);
  const ssh = optString(ev, b.get("ssh"));
  if (ssh !== undefined && !/^[A-Za-z0-9._-]+@[A-Za-z0-9.:_\-\[\]]+?(:\d+)?$/.test(ssh)) {
    r.report("E0112", b.get("ssh")!, `\`${ssh}\` is not of the form \`user@host[:port]\`.`, { help: "write e.g. `\"alice@login.cluster.org:22\"`" });
  }
  const ranks = int(ev, b.get("ranks_per_node"));
  if (gpusPerNode === 0 && ranks === undefined && gpusE) {
    r.report("E0105", gpusE, `A cluster without GPUs needs \`ranks_per_node\` (CPU ranks under gloo).`, { help: "add `ranks_per_node = 2`" });
  }
  if (!scheduler || nodes === undefined || gpusPerNode === undefined || gpu === undefined) return undefined;
  return {
    name: d.name, block: d.block, scheduler, nodes, gpusPerNode, gpu, gpuNode,
    partition: optString(ev, b.get("partition")),
    account: optString(ev, b.get("account")),
    cpusPerNode: int(ev, b.get("cpus_per_node")),
    ranksPerNode: ranks,
    maxWalltimeS: maxWalltime ? Math.ceil(num(maxWalltime)) : undefined,
    budgetGpuHours: budget, budgetNode,
    ssh,
    address: optString(ev, b.get("address")),
  };
}
