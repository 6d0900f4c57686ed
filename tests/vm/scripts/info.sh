#!/bin/sh
# Runs in the VM with $OCIBOX: `ocibox info` on a pure cgroup v2 kernel booted from an initramfs,
# with the modules vm.test loads, must see v2 controllers, the initramfs root and the modules.
# shellcheck disable=SC2034 source=/dev/null # AREA is read by lib.sh
AREA=info
. /vm/lib.sh
[ -x "${OCIBOX:-}" ] || { skip all "no \$OCIBOX in this VM"; exit 0; }

out=$("$OCIBOX" info 2>&1)
expect exit-status 0 $?
expect_line cgroups-v2 '^Cgroups: v2 \(cgroup2 at /sys/fs/cgroup' "$out"
for c in pids memory cpu cpuset hugetlb; do
	expect_line "$c-v2" "^ $c: ok \\(v2 at /sys/fs/cgroup\\)" "$out"
done
expect_line io-v2 '^ blkio: ok \(v2 io at' "$out"
expect_line freezer-v2 '^ freezer: ok \(v2 cgroup.freeze' "$out"
expect_line devices-ebpf '^ devices: ok \(v2 .*eBPF' "$out"
expect_line initramfs '^ Initramfs: yes' "$out"
expect_line no-pivot-root '^ pivot_root: missing' "$out"
for m in overlay veth bridge; do
	expect_line "$m-module" "^ $m: ok" "$out"
done
vm_done || printf '%s\n' "$out" | sed 's/^/    | /'
vm_done
