#!/bin/sh
# Runs in the VM (tests/vm/run-in-vm), busybox sh alone: cgroup2 is mounted with the controllers
# /init enabled, and a child cgroup's limits hold and bite on processes moved into it. What the
# kernel lacks (io, cpuset, hugetlb) is a SKIPPED line, not a pass.
CG=/sys/fs/cgroup
G=$CG/smoke

# shellcheck disable=SC2034 source=/dev/null # AREA is read by lib.sh
AREA=cgroup2
. /vm/lib.sh

# Runs a command inside $G: a shell moves itself in, then execs it.
in_cgroup() { sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$G" "$@"; }
# Waits for $G to empty (its last task gone), at most ~10 s, so rmdir can succeed.
wait_empty() {
	i=0
	while has 'populated 1' "$G/cgroup.events" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
cleanup() {
	for p in $(cat "$G/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	wait_empty
	rmdir "$G" 2>/dev/null
}
trap cleanup EXIT

expect mounted cgroup2 "$(awk '$2 == "/sys/fs/cgroup" { print $3 }' /proc/mounts)"
for c in cpu memory pids io cpuset hugetlb; do
	if ! has "$c" "$CG/cgroup.controllers"; then
		skip "enabled-$c" "not in this kernel's cgroup.controllers"
	elif has "$c" "$CG/cgroup.subtree_control"; then
		ok "enabled-$c"
	else
		bad "enabled-$c" "cgroup.subtree_control: $(cat $CG/cgroup.subtree_control)"
	fi
done

mkdir "$G" || { bad mkdir "can't create $G"; exit 1; }
for c in memory pids cpu; do
	check "child-has-$c" "cgroup.controllers: $(cat $G/cgroup.controllers)" \
		has "$c" "$G/cgroup.controllers"
done

# Limits read back as the kernel normalises them.
echo 16M > "$G/memory.max"
expect memory.max 16777216 "$(cat $G/memory.max)"
echo 0 > "$G/memory.swap.max" 2>/dev/null
echo 8 > "$G/pids.max"
expect pids.max 8 "$(cat $G/pids.max)"
echo "10000 100000" > "$G/cpu.max"
expect cpu.max "10000 100000" "$(cat $G/cpu.max)"
echo 200 > "$G/cpu.weight"
expect cpu.weight 200 "$(cat $G/cpu.weight)"

# A process moved in shows up there, and only there.
sleep 60 &
pid=$!
echo "$pid" > "$G/cgroup.procs"
expect procs "$pid" "$(cat $G/cgroup.procs)"
expect proc-cgroup 0::/smoke "$(cat /proc/$pid/cgroup)"
expect pids.current 1 "$(cat $G/pids.current)"
expect populated 1 "$(key populated $G/cgroup.events)"
kill "$pid"
wait "$pid" 2>/dev/null
wait_empty
expect emptied 0 "$(key populated $G/cgroup.events)"

# memory.max bites: 4 MiB fits under 16 MiB, 64 MiB gets the task OOM-killed (no swap here).
in_cgroup dd if=/dev/zero of=/dev/null bs=4M count=1 2>/dev/null
expect memory-fits 0 $?
in_cgroup dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null
expect memory-oom-killed 137 $?
n=$(key oom_kill "$G/memory.events")
check memory.events-oom_kill "oom_kill ${n:-none}" [ "${n:-0}" -ge 1 ]
wait_empty

# pids.max bites: with room for 8 tasks, a shell (1) forks 12 sleeps; 7 get through, the rest
# fail, whether ash gives up at the first failed fork or goes on.
in_cgroup sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 60 & done' >/dev/null 2>&1
expect pids-capped 7 "$(cat $G/pids.current)"
n=$(key max "$G/pids.events")
check pids.events-max "max ${n:-none}" [ "${n:-0}" -ge 1 ]
for p in $(cat "$G/cgroup.procs"); do kill "$p"; done
wait_empty

# cpu.max bites: a busy loop at a 10 % quota for a second of wall clock is throttled (a count of
# periods, not a speed: the guest clock runs on however the host schedules the VM).
in_cgroup timeout 1 sh -c 'while :; do :; done' 2>/dev/null
n=$(key nr_throttled "$G/cpu.stat")
check cpu.stat-nr_throttled "$(cat $G/cpu.stat)" [ "${n:-0}" -ge 1 ]
wait_empty

# cpuset.cpus confines a task moved in.
if has cpuset "$G/cgroup.controllers"; then
	echo 0 > "$G/cpuset.cpus"
	expect cpuset.cpus 0 "$(cat $G/cpuset.cpus.effective)"
	expect cpus-allowed "Cpus_allowed_list:	0" \
		"$(in_cgroup grep Cpus_allowed_list /proc/self/status)"
else
	skip cpuset "no cpuset controller"
fi

# hugetlb: /init booted with hugepages=8, so a limit in 2 MiB pages takes.
if [ -e "$G/hugetlb.2MB.max" ]; then
	echo 4194304 > "$G/hugetlb.2MB.max"
	expect hugetlb.2MB.max 4194304 "$(cat $G/hugetlb.2MB.max)"
else
	skip hugetlb "no hugetlb.2MB.max"
fi

# io.max on a real block device: a loop device over a tmpfs file, when the loop module is in.
if [ -e "$G/io.max" ] && [ -b /dev/loop0 ] && dd if=/dev/zero of=/tmp/smoke.img bs=1M count=4 \
	2>/dev/null && losetup /dev/loop0 /tmp/smoke.img; then
	echo "7:0 wbps=1048576" > "$G/io.max"
	expect io.max "7:0 rbps=max wbps=1048576 riops=max wiops=max" "$(cat $G/io.max)"
	losetup -d /dev/loop0
	rm -f /tmp/smoke.img
else
	skip io.max "no io controller or no loop device: --module loop"
fi

cleanup
trap - EXIT
if [ -d "$G" ]; then bad rmdir "$G still there"; else ok rmdir; fi
vm_done
