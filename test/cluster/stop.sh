#!/usr/bin/env bash
# Stop what test/cluster/start.sh started, by the pids it recorded (each checked against its program
# name first, so a recycled pid is never signalled), and wait until each has exited.
#
#   bash test/cluster/stop.sh [STATE_DIR]      (default: .state/cluster)
set -uo pipefail

dir=${1:-"$(cd "$(dirname "$0")/../.." && pwd)/.state/cluster"}
[ -d "$dir" ] || exit 0
dir=$(cd "$dir" && pwd)
# munged runs as the munge user, which may not traverse the checkout (a 0700 temporary clone): its
# key, pid, log and seed live under /run, in a directory named after this state directory.
mdir="/run/flowc-test-munge/$(printf %s "$dir" | sha256sum | cut -c1-12)"
exec 9>"$dir/.lock"
flock 9

# stop PIDFILE NAME
stop() {
  local pid
  [ -f "$1" ] || return 0
  pid=$(cat "$1" 2>/dev/null)
  if [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$2" ]; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 100); do
      [ -r "/proc/$pid/comm" ] || break
      sleep 0.1
    done
    if [ -r "/proc/$pid/comm" ]; then
      kill -KILL "$pid" 2>/dev/null
      echo "killed $2 (pid $pid; it ignored SIGTERM for 10 s)"
    else
      echo "stopped $2 (pid $pid)"
    fi
  fi
  rm -f "$1"
}

stop "$dir/ssh/sshd.pid" sshd
stop "$dir/slurmd.pid" slurmd
stop "$dir/slurmctld.pid" slurmctld
stop "$mdir/munged.pid" munged
exit 0
