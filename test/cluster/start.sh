#!/usr/bin/env bash
# Start a real one-node Slurm (munged, slurmctld, slurmd) and an sshd on a loopback port, for tests.
#
#   bash test/cluster/start.sh [STATE_DIR] [SSH_PORT]      (defaults: .state/cluster, 2222)
#
# Needs root and the Debian packages slurm-wlm, munge and openssh-server. Idempotent: what already
# runs (checked by pid *and* program name, so a recycled pid is not mistaken for ours) is left alone,
# and concurrent callers (test files in parallel) are serialized by a lock. Writes STATE_DIR/env
# (source it: SLURM_CONF, FLOWC_TEST_SSH_*), and the pids it started to STATE_DIR/*.pid, which
# test/cluster/stop.sh reads.
#
# The node: partitions `debug` (default) and `gpu`, count-only GRES gpu:8 (no device is touched; the
# GRES lines point at placeholder files because Slurm drops file-less GPUs and then drains the node),
# no accounting database (sacct has no data; finished jobs are in squeue/scontrol for MinJobAge
# seconds and in the jobcomp/filetxt file after that).
set -euo pipefail

dir=${1:-"$(cd "$(dirname "$0")/../.." && pwd)/.state/cluster"}
port=${2:-2222}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# munged runs as the munge user, which may not traverse the checkout (a 0700 temporary clone): its
# key, pid, log and seed live under /run, in a directory named after this state directory.
mdir="/run/flowc-test-munge/$(printf %s "$dir" | sha256sum | cut -c1-12)"

if [ "$(id -u)" != 0 ]; then
  echo "start.sh: must run as root (munged, slurmd and sshd are started as system daemons)" >&2
  exit 2
fi
for b in munged slurmctld slurmd sshd sbatch; do
  if ! command -v "$b" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$b" ]; then
    echo "start.sh: \`$b\` is not installed" >&2
    echo "help: apt-get install -y slurm-wlm munge openssh-server" >&2
    exit 2
  fi
done
PATH=$PATH:/usr/sbin

# The daemons below are started with fd 9 closed (`9>&-`), or they would hold the lock for life.
exec 9>"$dir/.lock"
flock 9

# alive PIDFILE NAME: the pid in PIDFILE runs a program called NAME.
alive() {
  local pid
  [ -f "$1" ] || return 1
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$2" ]
}

started=""
mkdir -p "$dir"/{spool/ctld,spool/d,log,ssh,dev} "$mdir"
chmod 755 /run/flowc-test-munge
host=$(hostname -s)
cpus=$(nproc)
mem=$(( $(awk '/MemTotal/{print $2}' /proc/meminfo) / 1024 - 2048 ))

# munge: a fresh key owned by the munge user; munged writes its log and pid where that user can.
if [ ! -f "$mdir/munge.key" ]; then
  dd if=/dev/urandom of="$mdir/munge.key" bs=1024 count=1 status=none
fi
chown -R munge:munge "$mdir"
chmod 700 "$mdir"
chmod 400 "$mdir/munge.key"
mkdir -p /run/munge
chown munge:munge /run/munge
if ! alive "$mdir/munged.pid" munged; then
  runuser -u munge -- munged --key-file="$mdir/munge.key" --socket=/run/munge/munge.socket.2 \
    --pid-file="$mdir/munged.pid" --log-file="$mdir/munged.log" --seed-file="$mdir/seed" 9>&-
  started="$started munged"
fi
for _ in $(seq 1 50); do
  munge -n -S /run/munge/munge.socket.2 2>/dev/null | unmunge -S /run/munge/munge.socket.2 >/dev/null 2>&1 && break
  sleep 0.1
done

conf=$(cat <<CONF
ClusterName=flowc-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
ReturnToService=2
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmdSpoolDir=$dir/spool/d
StateSaveLocation=$dir/spool/ctld
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
GresTypes=gpu
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MaxArraySize=1001
InactiveLimit=0
KillWait=10
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem Gres=gpu:8 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
PartitionName=gpu Nodes=$host MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
)
changed=0
if [ ! -f "$dir/slurm.conf" ] || [ "$(cat "$dir/slurm.conf")" != "$conf" ]; then
  printf '%s\n' "$conf" > "$dir/slurm.conf"
  changed=1
fi
for i in 0 1 2 3 4 5 6 7; do : > "$dir/dev/gpu$i"; done
echo "NodeName=$host Name=gpu File=$dir/dev/gpu[0-7]" > "$dir/gres.conf"
export SLURM_CONF="$dir/slurm.conf"

if ! alive "$dir/slurmctld.pid" slurmctld; then
  slurmctld -f "$SLURM_CONF" 9>&-
  started="$started slurmctld"
elif [ "$changed" = 1 ]; then
  scontrol reconfigure
fi
for _ in $(seq 1 50); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.2; done
if ! alive "$dir/slurmd.pid" slurmd; then
  slurmd -f "$SLURM_CONF" 9>&-
  started="$started slurmd"
fi
ready=0
for _ in $(seq 1 60); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then ready=1; break; fi
  # A node left "down" or "drained" by an earlier run comes back with RESUME.
  scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true
  sleep 0.5
done
if [ "$ready" != 1 ]; then
  echo "start.sh: the Slurm node did not become ready: $(sinfo -h -o '%T %E' 2>&1)" >&2
  echo "help: see $dir/log/slurmctld.log and $dir/log/slurmd.log" >&2
  exit 2
fi

# sshd on loopback with throwaway host and user keys.
if [ ! -f "$dir/ssh/host_ed25519" ]; then
  ssh-keygen -q -t ed25519 -N '' -C flowc-test-host -f "$dir/ssh/host_ed25519"
fi
if [ ! -f "$dir/ssh/id_ed25519" ]; then
  ssh-keygen -q -t ed25519 -N '' -C flowc-test-user -f "$dir/ssh/id_ed25519"
fi
mkdir -p /run/sshd
cp "$dir/ssh/id_ed25519.pub" "$dir/ssh/authorized_keys"
chmod 600 "$dir/ssh/authorized_keys"
cat > "$dir/ssh/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $dir/ssh/host_ed25519
PidFile $dir/ssh/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $dir/ssh/authorized_keys
StrictModes no
UsePAM no
MaxStartups 30:30:60
SetEnv SLURM_CONF=$dir/slurm.conf
Subsystem sftp internal-sftp
CONF
if ! alive "$dir/ssh/sshd.pid" sshd; then
  /usr/sbin/sshd -f "$dir/ssh/sshd_config" -E "$dir/log/sshd.log" 9>&-
  started="$started sshd"
fi
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$dir/ssh/host_ed25519.pub")" > "$dir/ssh/known_hosts"

cat > "$dir/env" <<ENV
export SLURM_CONF=$dir/slurm.conf
export FLOWC_TEST_CLUSTER_DIR=$dir
export FLOWC_TEST_SSH_HOST=root@127.0.0.1:$port
export FLOWC_TEST_SSH_KEY=$dir/ssh/id_ed25519
export FLOWC_TEST_SSH_KNOWN_HOSTS=$dir/ssh/known_hosts
export FLOWC_TEST_SSH_HOST_PUB=$dir/ssh/host_ed25519.pub
export FLOWC_TEST_JOBCOMP=$dir/log/jobcomp.txt
ENV
echo "started:${started:- nothing (all were running)}"
echo "local cluster up (node $host, sshd 127.0.0.1:$port): source $dir/env"
