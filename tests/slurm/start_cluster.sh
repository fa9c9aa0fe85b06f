#!/usr/bin/env bash
# A single-node SLURM cluster for the tests: munged, slurmctld and slurmd with one
# fake GPU, no accounting. Needs root and Debian's slurmctld, slurmd, slurm-client
# and munge. State, logs and the daemons' PIDs live under $BASE; stop_cluster.sh
# kills those PIDs and removes the /etc/slurm links.
set -euo pipefail
BASE=${BASE:?set BASE to an empty folder}
NODE=$(hostname -s)
MEMORY=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 8 / 10 ))
mkdir -p "$BASE"/{etc,ctld,slurmd,log,run,munge} /run/munge /etc/slurm
chmod 700 "$BASE/munge"
: > "$BASE/pids"

# munge on its default socket: SLURM's clients look there.
mungekey --create --keyfile="$BASE/munge/munge.key" --force
munged -F --force --key-file="$BASE/munge/munge.key" --pid-file="$BASE/run/munged.pid" \
  --log-file="$BASE/log/munged.log" --seed-file="$BASE/munge/seed" >"$BASE/log/munged.out" 2>&1 &
echo $! >> "$BASE/pids"
for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.2; done

cat > "$BASE/etc/slurm.conf" <<CONF
ClusterName=tests
SlurmctldHost=${NODE}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$BASE/ctld
SlurmdSpoolDir=$BASE/slurmd
SlurmctldPidFile=$BASE/run/slurmctld.pid
SlurmdPidFile=$BASE/run/slurmd.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
MinJobAge=300
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
GresTypes=gpu
DefMemPerCPU=500
NodeName=${NODE} NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=${MEMORY} Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
# slurmd drops a GPU without a device file; /dev/null stands in for one.
cat > "$BASE/etc/gres.conf" <<CONF
AutoDetect=off
NodeName=${NODE} Name=gpu File=/dev/null Count=1
CONF
# The job-step plugin clears SLURM_CONF, so the configuration must sit at /etc/slurm.
ln -sf "$BASE/etc/slurm.conf" /etc/slurm/slurm.conf
ln -sf "$BASE/etc/gres.conf" /etc/slurm/gres.conf

slurmctld -D >"$BASE/log/slurmctld.out" 2>&1 &
echo $! >> "$BASE/pids"
for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.2; done
slurmd -D >"$BASE/log/slurmd.out" 2>&1 &
echo $! >> "$BASE/pids"
for _ in $(seq 150); do [ "$(sinfo -h -o %t 2>/dev/null)" = idle ] && break; sleep 0.2; done
[ "$(sinfo -h -o %t)" = idle ] || { echo "the node did not come up:"; sinfo; tail "$BASE/log/slurmd.log"; exit 1; }
echo "SLURM cluster up on ${NODE}"
