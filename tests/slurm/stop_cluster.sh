#!/usr/bin/env bash
# Stop what start_cluster.sh started, by PID, in reverse order.
BASE=${BASE:?set BASE to the folder given to start_cluster.sh}
[ -f "$BASE/pids" ] && tac "$BASE/pids" | while read -r pid; do
  kill "$pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null
done
for link in /etc/slurm/slurm.conf /etc/slurm/gres.conf; do
  [ "$(readlink "$link")" = "$BASE/etc/$(basename "$link")" ] && rm -f "$link"
done
exit 0
