#!/bin/sh
# Runs in the VM with $OCIBOX and $VM_ROOTFS: the ocirun lifecycle on a pure cgroup v2 kernel,
# from an initramfs (so --no-pivot: pivot_root can't move rootfs). Skipped until ocibox has the
# ocirun applet. More ocirun tests that need v2 or a stock kernel go beside this file.
# shellcheck disable=SC2034 source=/dev/null # AREA is read by lib.sh
AREA=ocirun
. /vm/lib.sh
if ! "$OCIBOX" --list 2>/dev/null | grep -qx ocirun; then
	skip lifecycle "ocibox has no ocirun applet yet"
	exit 0
fi
R=/run/ocirun-vm
B=/tmp/bundle
CGP=/ocibox-vm/c1
ocirun() { "$OCIBOX" ocirun --root "$R" "$@"; }
state_field() { # ID KEY -> the value of a top-level string or number in `ocirun state ID`
	ocirun state "$1" 2>/dev/null | tr -d '\n' |
		sed -n "s/.*\"$2\"[[:space:]]*:[[:space:]]*\"\{0,1\}\([^\",}]*\).*/\1/p"
}
not() { ! "$@" >/dev/null 2>&1; }
wait_status() { # ID STATUS: polls the state, at most ~10 s
	i=0
	while [ "$(state_field "$1" status)" != "$2" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	state_field "$1" status
}
cleanup() {
	ocirun delete --force c1 >/dev/null 2>&1
	ocirun delete --force c2 >/dev/null 2>&1
	rmdir "/sys/fs/cgroup$CGP" /sys/fs/cgroup/ocibox-vm 2>/dev/null
}
trap cleanup EXIT

mkdir -p "$B"
cp -a "$VM_ROOTFS" "$B/rootfs"
config() { # ARGS-JSON
	cat > "$B/config.json" <<EOF
{
	"ociVersion": "1.1.0",
	"process": {
		"terminal": false,
		"user": {"uid": 0, "gid": 0},
		"args": $1,
		"env": ["PATH=/bin"],
		"cwd": "/"
	},
	"root": {"path": "rootfs"},
	"hostname": "vmtest",
	"mounts": [
		{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}
	],
	"linux": {
		"namespaces": [
			{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}
		],
		"cgroupsPath": "$CGP",
		"resources": {
			"memory": {"limit": 33554432},
			"pids": {"limit": 32},
			"cpu": {"quota": 20000, "period": 100000}
		}
	}
}
EOF
}

# run: the container's output and exit status come back.
config '["/bin/sh", "-c", "hostname; exit 3"]'
out=$(ocirun run --bundle "$B" --no-pivot c2 2>&1)
expect run-exit-status 3 $?
expect run-output vmtest "$out"

# create, start, kill, delete, and the v2 cgroup the resources landed in.
config '["/bin/sleep", "60"]'
ocirun create --bundle "$B" --no-pivot c1
expect create 0 $?
expect state-created created "$(state_field c1 status)"
pid=$(state_field c1 pid)
expect proc-cgroup "0::$CGP" "$(cat "/proc/${pid:-0}/cgroup" 2>/dev/null)"
expect memory.max 33554432 "$(cat /sys/fs/cgroup$CGP/memory.max 2>/dev/null)"
expect pids.max 32 "$(cat /sys/fs/cgroup$CGP/pids.max 2>/dev/null)"
expect cpu.max "20000 100000" "$(cat /sys/fs/cgroup$CGP/cpu.max 2>/dev/null)"
ocirun start c1
expect start 0 $?
expect state-running running "$(state_field c1 status)"
check delete-running-refused "delete of a running container succeeded" \
	not ocirun delete c1
ocirun kill c1 KILL
expect kill 0 $?
expect state-stopped stopped "$(wait_status c1 stopped)"
ocirun delete c1
expect delete 0 $?
check cgroup-removed "/sys/fs/cgroup$CGP still there" not test -d "/sys/fs/cgroup$CGP"
check state-after-delete "state still answers" not ocirun state c1
vm_done
