// Every command, in the order `flowc --help` lists them (the README's order).
import type { Command } from "../command.js";
import { cancel } from "./cancel.js";
import { check } from "./check.js";
import { compile } from "./compile.js";
import { explain } from "./explain.js";
import { fmt } from "./fmt.js";
import { graph } from "./graph.js";
import { logs } from "./logs.js";
import { lsp } from "./lsp.js";
import { plan } from "./plan.js";
import { report } from "./report.js";
import { run } from "./run.js";
import { status } from "./status.js";
import { submit } from "./submit.js";
import { test } from "./test.js";

export const COMMANDS: readonly Command[] = [check, fmt, explain, plan, graph, report, compile, test, run, submit, status, logs, cancel, lsp];
