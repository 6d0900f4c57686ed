# Sourced after tests/testing.sh by the tests that run OCI containers (ocirun and its peers).
# Makes bundles from Debian's busybox-static and edits their config.json through python3's json,
# one small helper per kind of change, so every test states its config in a few readable lines:
#   bundle_new DIR [ARG...]          rootfs + config.json from `$BUNDLE_SPEC spec`, args set
#   bundle_set DIR KEY.PATH JSON     any field; missing objects on the way are created
#   bundle_args / bundle_env / bundle_mount / bundle_namespace / bundle_idmap / bundle_caps /
#   bundle_rlimit / bundle_resource / bundle_seccomp_errno / bundle_py (any python on `c`)
#   bundle_flush DIR...              edits are queued: this applies them (one python3 for all)
#   bundle_image_archive ROOTFS OUT REF   a docker-archive tar (ctr import, podman load)
# and the runtime under test: runtime_under_test sets OCIRUN (ocibox's ocirun once it is built
# in, runc until then; an OCIRUN from the environment wins) and OCIRUN_NAME.
# Cleanup: at_exit CMD runs CMD when the test ends, however it ends, newest first (its output
# is dropped but for FAIL: lines); then nothing mounted may remain under $TESTDIR before it is
# removed (one file system only). cgroup_cleanup NAME removes /sys/fs/cgroup/*/NAME trees.

BUSYBOX_STATIC=${BUSYBOX_STATIC:-/bin/busybox}
AT_EXIT=()

at_exit() { AT_EXIT+=("$*"); }

run_at_exit() {
	local i
	# `timeout` signals the test and then its whole process group: a second TERM must not cut
	# the teardown short.
	trap '' TERM INT HUP
	for ((i = ${#AT_EXIT[@]} - 1; i >= 0; i--)); do
		eval "${AT_EXIT[i]}" 2>/dev/null | grep '^FAIL: '
	done
	umount_under "$TESTDIR"
	if [ -n "$(mounts_under "$TESTDIR")" ]; then
		echo "FAIL: cleanup: still mounted under $TESTDIR, left in place"
		return
	fi
	rm -rf --one-file-system "$TESTDIR"
}
trap run_at_exit EXIT

# Unmounts everything mounted at or below DIR in our mount namespace, deepest first, so that a
# test that died with mounts in place (overlay snapshots, a bind) cannot make rm -rf reach the
# host's files.
umount_under() {
	local m
	mounts_under "$1" | sort -r | while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
}

# Every hierarchy's NAME cgroup and those below it, deepest first. Tasks killed a moment ago
# may still hold one (this machine's PID 1 reaps orphans late): retried for a while, then a
# FAIL line names what is left. Where a hierarchy was unmounted under a runtime's feet (other
# tests mount and unmount hugetlb), the runtime made plain folders on the tmpfs: removed too.
cgroup_cleanup() { # NAME
	local i left d
	for d in /sys/fs/cgroup/*/"$1"; do
		[ "$(stat -f -c %T "$d/.." 2>/dev/null)" != tmpfs ] || rm -rf --one-file-system "$d"
	done
	for ((i = 0; i < 50; i++)); do
		mapfile -t left < <(find /sys/fs/cgroup/*/"$1" -depth -type d 2>/dev/null)
		[ ${#left[@]} -gt 0 ] || return 0
		rmdir "${left[@]}" 2>/dev/null
		sleep 0.1
	done
	echo "FAIL: cleanup: cgroups left behind: ${left[*]}"
}

mounts_under() { # DIR
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo
}

# A static busybox with one symlink per applet in /bin, the folders the runtimes mount on and
# an /etc with root and nobody. Made once per test run, then hard-linked into each rootfs.
bundle_rootfs() { # DIR: makes DIR/rootfs
	local tmpl=$TESTDIR/.rootfs-template
	if [ ! -d "$tmpl" ]; then
		python3 - "$BUSYBOX_STATIC" "$tmpl" <<-'EOF' || return 1
		import os, shutil, subprocess, sys
		bb, root = sys.argv[1:]
		for d in ('bin', 'dev', 'proc', 'sys', 'etc', 'tmp', 'mnt', 'var', 'root', 'run'):
		    os.makedirs(os.path.join(root, d))
		os.chmod(os.path.join(root, 'tmp'), 0o1777)
		shutil.copy2(bb, os.path.join(root, 'bin/busybox'))
		names = subprocess.run([bb, '--list'], capture_output=True, text=True).stdout.split()
		for n in names:
		    if n != 'busybox':
		        os.symlink('busybox', os.path.join(root, 'bin', n))
		with open(os.path.join(root, 'etc/passwd'), 'w') as f:
		    f.write('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n')
		with open(os.path.join(root, 'etc/group'), 'w') as f:
		    f.write('root:x:0:\ntty:x:5:\nnogroup:x:65534:\n')
		EOF
	fi
	mkdir -p "$1" && cp -al "$tmpl" "$1/rootfs"
}

# The config generator: runc's `spec` while it is the reference, else the runtime under test's.
BUNDLE_SPEC=${BUNDLE_SPEC:-}

bundle_new() { # DIR [ARG...]
	local dir=$1 spec=$BUNDLE_SPEC
	shift
	[ -n "$spec" ] || spec=$(command -v runc) || spec=${OCIRUN:-}
	[ -n "$spec" ] || { echo "bundle_new: no runc and no OCIRUN to write a spec" >&2; return 1; }
	bundle_rootfs "$dir" || return 1
	# Once per generator and test: it is the same file every time.
	local cached=$TESTDIR/.spec-${spec//[^a-zA-Z0-9]/_}
	if [ ! -f "$cached/config.json" ]; then
		mkdir -p "$cached" && (cd "$cached" && $spec spec) || return 1
	fi
	cp "$cached/config.json" "$dir/config.json" || return 1
	# No terminal: the tests read the container's output through pipes.
	bundle_set "$dir" process.terminal false
	[ $# -eq 0 ] || bundle_args "$dir" "$@"
}

# Edits are queued, then applied by one python3 per batch (it takes a second or more to start on
# a loaded machine): bundle_py DIR PYTHON [ARG...] queues PYTHON, run with `c` bound to DIR's
# config, `a` to the ARGs and at(KEY.PATH) giving (object, last key), creating missing objects.
# bundle_flush DIR... applies what is queued; runtime wrappers call it before each use.
bundle_py() { # DIR PYTHON [ARG...]
	local q=$1/.edits n
	mkdir -p "$q" || return 1
	n=("$q"/*.py)
	[ -e "${n[0]}" ] || n=()
	printf -v n '%04d' ${#n[@]}
	printf '%s\n' "$2" > "$q/$n.py" && : > "$q/$n.args" || return 1
	[ $# -lt 3 ] || printf '%s\0' "${@:3}" > "$q/$n.args"
}

bundle_flush() { # DIR...
	local d todo=()
	for d in "$@"; do
		[ -d "$d/.edits" ] && todo+=("$d")
	done
	[ ${#todo[@]} -gt 0 ] || return 0
	python3 - "${todo[@]}" <<-'EOF' || return 1
	import json, os, sys
	for bundle in sys.argv[1:]:
	    path, q = bundle + '/config.json', bundle + '/.edits'
	    with open(path) as f:
	        c = json.load(f)
	    def at(key):
	        parts = key.split('.')
	        o = c
	        for p in parts[:-1]:
	            o = o.setdefault(p, {})
	        return o, parts[-1]
	    for n in sorted(x[:-3] for x in os.listdir(q) if x.endswith('.py')):
	        with open(os.path.join(q, n + '.args'), 'rb') as f:
	            a = [x.decode() for x in f.read().split(b'\0')[:-1]]
	        code = open(os.path.join(q, n + '.py')).read()
	        try:
	            exec(code, {'c': c, 'a': a, 'at': at, 'json': json, 'os': os})
	        except Exception as e:
	            sys.exit('bundle_flush: %s: %s: %r' % (bundle, code.strip(), e))
	    with open(path + '.tmp', 'w') as f:
	        json.dump(c, f, indent='\t')
	        f.write('\n')
	    os.replace(path + '.tmp', path)
	    for x in os.listdir(q):
	        os.unlink(os.path.join(q, x))
	    os.rmdir(q)
	EOF
}

bundle_set() { # DIR KEY.PATH JSON-VALUE
	bundle_py "$1" 'o, k = at(a[0]); o[k] = json.loads(a[1])' "$2" "$3"
}

bundle_args() { # DIR ARG...
	local dir=$1
	shift
	bundle_py "$dir" 'c["process"]["args"] = a' "$@"
}

bundle_env() { # DIR NAME=VALUE...: added, replacing a variable of the same name
	local dir=$1
	shift
	bundle_py "$dir" '
env = c["process"].setdefault("env", [])
for kv in a:
    env[:] = [e for e in env if e.split("=")[0] != kv.split("=")[0]] + [kv]' "$@"
}

bundle_mount() { # DIR DEST TYPE SOURCE [OPT,OPT...]
	bundle_py "$1" 'c["mounts"].append({"destination": a[0], "type": a[1], "source": a[2],
	    "options": a[3].split(",") if len(a) > 3 and a[3] else []})' "${@:2}"
}

bundle_namespace() { # DIR TYPE [PATH]: added, or its path changed; PATH joins an existing one
	bundle_py "$1" '
ns = [n for n in c["linux"]["namespaces"] if n["type"] != a[0]]
ns.append({"type": a[0], "path": a[1]} if len(a) > 1 else {"type": a[0]})
c["linux"]["namespaces"] = ns' "${@:2}"
}

bundle_idmap() { # DIR HOSTID SIZE: a user namespace mapping container 0.. to HOSTID..
	# runc binds the rootfs from inside the user namespace: mktemp's 0700 would stop it.
	case $1 in "$TESTDIR"/*) chmod 711 "$TESTDIR" ;; esac
	bundle_namespace "$1" user &&
		bundle_py "$1" '
m = [{"containerID": 0, "hostID": int(a[0]), "size": int(a[1])}]
c["linux"]["uidMappings"] = m
c["linux"]["gidMappings"] = m' "$2" "$3"
}

bundle_caps() { # DIR CAP...: the same capabilities in every set but ambient, which gets none
	local dir=$1
	shift
	bundle_py "$dir" '
caps = ["CAP_" + x.upper().removeprefix("CAP_") for x in a]
c["process"]["capabilities"] = {s: list(caps) for s in
    ("bounding", "effective", "permitted", "inheritable")}
c["process"]["capabilities"]["ambient"] = []' "$@"
}

bundle_rlimit() { # DIR TYPE SOFT HARD: TYPE as RLIMIT_NOFILE or nofile
	bundle_py "$1" '
t = "RLIMIT_" + a[0].upper().removeprefix("RLIMIT_")
rl = [r for r in c["process"].get("rlimits", []) if r["type"] != t]
rl.append({"type": t, "soft": int(a[1]), "hard": int(a[2])})
c["process"]["rlimits"] = rl' "${@:2}"
}

bundle_resource() { # DIR KEY.PATH JSON-VALUE under linux.resources: memory.limit 67108864
	bundle_set "$1" "linux.resources.$2" "$3"
}

# A seccomp filter that allows everything but SYSCALL..., which fail with ERRNO (a number).
bundle_seccomp_errno() { # DIR ERRNO SYSCALL...
	bundle_py "$1" '
arch = {"x86_64": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "aarch64": ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]}.get(os.uname().machine, [])
s = c["linux"].setdefault("seccomp", {"defaultAction": "SCMP_ACT_ALLOW", "architectures": arch,
                                      "syscalls": []})
s["syscalls"].append({"names": a[1:], "action": "SCMP_ACT_ERRNO", "errnoRet": int(a[0])})' \
		"${@:2}"
}

# A docker-archive (manifest.json + config + one uncompressed layer) of ROOTFS, tagged REF:
# what `ctr image import` and `podman load` both read.
bundle_image_archive() { # ROOTFS OUT REF
	python3 - "$@" <<-'EOF'
	import hashlib, io, json, os, platform, sys, tarfile
	rootfs, out, ref = sys.argv[1:]
	def reset(ti):
	    ti.uid = ti.gid = 0
	    ti.uname = ti.gname = ''
	    ti.mtime = 1600000000
	    return ti
	layer = io.BytesIO()
	with tarfile.open(fileobj=layer, mode='w', format=tarfile.PAX_FORMAT) as t:
	    for name in sorted(os.listdir(rootfs)):
	        t.add(os.path.join(rootfs, name), name, filter=reset)
	layer = layer.getvalue()
	diff_id = 'sha256:' + hashlib.sha256(layer).hexdigest()
	arch = {'x86_64': 'amd64', 'aarch64': 'arm64', 'armv7l': 'arm'}.get(platform.machine(),
	                                                                   platform.machine())
	config = json.dumps({'architecture': arch, 'os': 'linux', 'created': '2020-09-13T12:26:40Z',
	                     'config': {'Env': ['PATH=/bin'], 'Cmd': ['sh']},
	                     'rootfs': {'type': 'layers', 'diff_ids': [diff_id]},
	                     'history': [{'created_by': 'tests/lib/bundle.sh'}]}).encode()
	config_name = hashlib.sha256(config).hexdigest() + '.json'
	manifest = json.dumps([{'Config': config_name, 'RepoTags': [ref],
	                        'Layers': ['layer.tar']}]).encode()
	with tarfile.open(out, 'w') as t:
	    for name, data in (('layer.tar', layer), (config_name, config),
	                       ('manifest.json', manifest)):
	        ti = reset(tarfile.TarInfo(name))
	        ti.size = len(data)
	        t.addfile(ti, io.BytesIO(data))
	EOF
}

# OCIRUN: the runtime the peer tests exercise. ocibox's own once `ocibox ocirun` exists (a link
# named ocirun, so the multicall binary dispatches on argv[0] and containerd or podman can exec
# it as a plain path), runc until then; an OCIRUN given in the environment wins. OCIRUN_NAME
# says which, for the test names.
runtime_under_test() {
	if [ -n "${OCIRUN:-}" ]; then
		OCIRUN=$(command -v "$OCIRUN") || return 1
		OCIRUN_NAME=$(basename "$OCIRUN")
	elif "$OCIBOX" ocirun --help >/dev/null 2>&1; then
		mkdir -p "$TESTDIR/bin" && ln -sf "$OCIBOX" "$TESTDIR/bin/ocirun" || return 1
		OCIRUN=$TESTDIR/bin/ocirun OCIRUN_NAME=ocirun
	else
		OCIRUN=$(command -v runc) || return 1
		OCIRUN_NAME="runc as ocirun"
	fi
	export OCIRUN OCIRUN_NAME
}
