// flowc submit DIR: submit compiled jobs (sbatch locally or over SSH), recording DIR/state.json.
import { defineCommand } from "../command.js";
import { notAvailable } from "../context.js";

export const submit = defineCommand({
  name: "submit",
  summary: "Submit compiled jobs in dependency order (locally or over SSH)",
  positionals: [{ name: "DIR", arity: "one", help: "a directory written by `flowc compile`" }],
  flags: {
    host: { type: "string", value: "USER@HOST[:PORT]", help: "submit over SSH (files uploaded with SFTP)" },
    identity: { type: "string", value: "KEY", help: "SSH private key file" },
    "known-hosts": { type: "string", value: "FILE", help: "SSH known_hosts file to verify the host against" },
    "dry-run": { type: "boolean", help: "print what would be submitted; submit nothing" },
  },
  examples: ["flowc submit build/tiny", "flowc submit build/tiny --host me@login.cluster --identity ~/.ssh/id_ed25519"],
  async run(_args, ctx) {
    return notAvailable(ctx, "the Slurm submission client is not built");
  },
});
