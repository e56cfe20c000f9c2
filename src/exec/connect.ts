// Choosing the transport for a command: this machine without `--host`; with one, the user's live
// OpenSSH ControlMaster for that host when there is one (MFA clusters), else an ssh2 connection.
import { ControlMasterTransport, liveControlSocket } from "./controlMaster.js";
import { LocalTransport } from "./localTransport.js";
import { parseSshTarget } from "./remote.js";
import { SshTransport, type SshOptions } from "./ssh.js";
import type { Transport } from "./transport.js";

export interface ConnectOptions extends SshOptions {
  /** `user@host[:port]`; absent: run on this machine. */
  readonly host?: string;
  /**
   * A ControlMaster socket to use (an error if none is live there); `"auto"` (default) uses the one
   * the user's ssh configuration names if a master answers on it; `"never"` always uses ssh2.
   */
  readonly controlPath?: string;
}

export async function openTransport(o: ConnectOptions = {}): Promise<Transport> {
  if (o.host === undefined) return new LocalTransport();
  const target = parseSshTarget(o.host);
  const mode = o.controlPath ?? "auto";
  if (mode !== "never") {
    const socket = await liveControlSocket(target, mode === "auto" ? {} : { socket: mode });
    if (socket !== undefined) return new ControlMasterTransport(target, socket);
  }
  return SshTransport.connect(target, o);
}
