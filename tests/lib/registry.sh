# shellcheck shell=bash
# Sourced by tests/*.test after testing.sh: a real registry for pull tests, with its peers.
#   reg_certs                  CA, server cert (SAN IP:127.0.0.1, DNS:localhost), client pair,
#                              token-signing cert, under $REG_PKI
#   reg_start anon|basic|token|mtls
#                              Debian's docker-registry on 127.0.0.1:free port with TLS; sets
#                              REG_ADDR (HOST:PORT), REG_MODE, REG_CREDS (USER:PASS or empty)
#                              and REG_CERTS (the HOST:PORT dir of $REG_CERTS_D for skopeo)
#   reg_hostile_start [ARGS]   tests/lib/hostile-registry.py; sets HOSTILE_ADDR and
#                              HOSTILE_OTHER (localhost:PORT2, its object-storage side), HOSTILE_PID
#   reg_image three-layer|multiarch|big DIR [MB]
#                              a deterministic OCI layout (tests/lib/ociimage.py)
#   reg_push LAYOUT TAG REPO:TAG [oci|v2s2|all]
#                              skopeo copy to the current registry (oci keeps our digests)
#   reg_ref_unpack REPO:TAG DIR  the reference side: skopeo copy + umoci unpack to DIR/rootfs
#   reg_skopeo ARGS...         skopeo with our policy, no system registries.conf or auth.json
#   reg_probe ARGS...          tests/lib/probe.py with our CA
#   reg_treecmp A B            tests/lib/treecmp.py
# shellcheck disable=SC2034 # the variables set here are for the tests that source this file
# $REG_CERTS_D is a Docker-layout certs.d (HOST:PORT/ca.crt, client.cert, client.key) holding
# every address started here, for skopeo and for ocibox. Everything started is recorded in
# $REG_DIR/pids and stopped on exit (trap), and by a watchdog if this shell is killed outright.

REG_DIR=$TESTDIR/registry
REG_PKI=$REG_DIR/pki
REG_CERTS_D=$REG_DIR/certs.d
REG_USER=ocibox
REG_PASS=s3cret-pass
REG_LIB=$SRC/tests/lib
REG_ADDR='' REG_MODE='' REG_CREDS='' REG_CERTS=''
# Debian's python3 (scripts/install-deps test) when it is there: a pyenv shim earlier on PATH
# costs 0.4 s a call, and the tests make dozens.
REG_PY=$(command -v /usr/bin/python3 || command -v python3)
# ociimage.py is imported by its neighbours: no __pycache__ in the source tree.
export PYTHONDONTWRITEBYTECODE=1
mkdir -p "$REG_DIR" "$REG_CERTS_D"
: > "$REG_DIR/pids"
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' > "$REG_DIR/policy.json"
printf 'unqualified-search-registries = []\n' > "$REG_DIR/registries.conf"

reg_stop_all() {
	local pid alive
	[ -f "$REG_DIR/pids" ] || return 0
	while read -r pid; do
		kill "$pid" 2>/dev/null || :
	done < "$REG_DIR/pids"
	for _ in $(seq 30); do
		alive=
		while read -r pid; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done < "$REG_DIR/pids"
		[ -z "$alive" ] && break
		sleep 0.1
	done
	while read -r pid; do
		kill -9 "$pid" 2>/dev/null || :
	done < "$REG_DIR/pids"
	: > "$REG_DIR/pids"
}
trap 'reg_stop_all; rm -rf "$TESTDIR"' EXIT
trap 'exit 130' INT TERM HUP

# Runs CMD in the background with output to LOG, records its PID, and arms a watchdog that
# kills it once this shell is gone (SIGKILL skips traps). Nothing started may keep the test's
# stdout open: tests/runtest reads it to the end.
reg_daemon() { # LOG CMD...
	local log=$1 pid
	shift
	"$@" > "$log" 2>&1 < /dev/null &
	pid=$!
	echo "$pid" >> "$REG_DIR/pids"
	(while kill -0 $$ 2>/dev/null; do sleep 1; done; kill "$pid" 2>/dev/null) \
		> /dev/null 2>&1 < /dev/null &
	REG_LAST_PID=$pid
}

reg_free_port() {
	"$REG_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until FILE exists (a server wrote its port) or PID died; 15 s at most.
reg_wait_file() { # FILE PID

	for _ in $(seq 150); do
		[ -s "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

reg_certs() {
	[ -f "$REG_PKI/done" ] && return 0
	mkdir -p "$REG_PKI" && (
		cd "$REG_PKI" || exit 1
		ec='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'
		# shellcheck disable=SC2086 # $ec is a list of options
		openssl req -x509 $ec -keyout ca.key -out ca.crt -days 2 -subj /CN=ocibox-test-ca \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign &&
		issue() { # NAME SUBJECT EXTENSIONS [KEYOPTS]
			# shellcheck disable=SC2086
			openssl req -new ${4:-$ec} -keyout "$1.key" -out "$1.csr" -subj "$2" &&
			printf '%s\n' "$3" > "$1.ext" &&
			openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
				-out "$1.crt" -extfile "$1.ext"
		}
		issue server /CN=localhost "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth" &&
		issue client /CN=ocibox-test-client "extendedKeyUsage=clientAuth" &&
		issue token /CN=ocibox-test-token "keyUsage=digitalSignature" \
			"-newkey rsa:2048 -nodes"
	) > "$REG_DIR/openssl.log" 2>&1 && touch "$REG_PKI/done"
}

# The certs.d entry for HOST:PORT, in Docker's layout.
reg_certs_d() { # HOST:PORT
	mkdir -p "$REG_CERTS_D/$1" &&
	cp "$REG_PKI/ca.crt" "$REG_CERTS_D/$1/ca.crt" &&
	cp "$REG_PKI/client.crt" "$REG_CERTS_D/$1/client.cert" &&
	cp "$REG_PKI/client.key" "$REG_CERTS_D/$1/client.key"
}

# Polls https://ADDR/v2/ until any HTTP answer (200 or 401); 15 s at most.
reg_wait_ready() { # ADDR PID

	for _ in $(seq 150); do
		reg_probe --cert "$REG_PKI/client.crt" --key "$REG_PKI/client.key" \
			"https://$1/v2/" 2>/dev/null | grep -q '^status [24]' && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

reg_start() { # anon|basic|token|mtls
	local mode=$1 port dir auth='' tls_extra='' tport
	reg_certs || { echo "reg_start: openssl failed: $(tail -3 "$REG_DIR/openssl.log")" >&2; return 1; }
	port=$(reg_free_port) || return 1
	dir=$REG_DIR/$mode-$port
	mkdir -p "$dir/storage"
	REG_CREDS=
	case $mode in
	anon) ;;
	basic)
		htpasswd -Bbn "$REG_USER" "$REG_PASS" > "$dir/htpasswd" 2>/dev/null || return 1
		auth="auth:
  htpasswd:
    realm: ocibox-test
    path: $dir/htpasswd"
		REG_CREDS=$REG_USER:$REG_PASS ;;
	token)
		reg_daemon "$dir/token.log" "$REG_PY" "$REG_LIB/token-server.py" \
			--cert "$REG_PKI/server.crt" --key "$REG_PKI/server.key" \
			--sign-key "$REG_PKI/token.key" --sign-cert "$REG_PKI/token.crt" \
			--port-file "$dir/token.port" --log "$dir/token-requests" \
			--user "$REG_USER:$REG_PASS"
		reg_wait_file "$dir/token.port" "$REG_LAST_PID" ||
			{ echo "reg_start: token server: $(tail -3 "$dir/token.log")" >&2; return 1; }
		tport=$(cat "$dir/token.port")
		auth="auth:
  token:
    realm: https://127.0.0.1:$tport/token
    service: ocibox-test
    issuer: ocibox-test-issuer
    rootcertbundle: $REG_PKI/ca.crt"
		REG_CREDS=$REG_USER:$REG_PASS ;;
	mtls)
		tls_extra="    clientcas:
      - $REG_PKI/ca.crt" ;;
	*) echo "reg_start: unknown mode $mode" >&2; return 1 ;;
	esac
	cat > "$dir/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$port
  secret: ocibox-test-secret
  tls:
    certificate: $REG_PKI/server.crt
    key: $REG_PKI/server.key
$tls_extra
$auth
EOF
	reg_daemon "$dir/registry.log" docker-registry serve "$dir/config.yml"
	reg_wait_ready "127.0.0.1:$port" "$REG_LAST_PID" ||
		{ echo "reg_start: docker-registry ($mode): $(tail -3 "$dir/registry.log")" >&2; return 1; }
	REG_ADDR=127.0.0.1:$port REG_MODE=$mode REG_CERTS=$REG_CERTS_D/127.0.0.1:$port
	REG_RUN=$dir
	reg_certs_d "$REG_ADDR"
	reg_certs_d "localhost:$port"
}

reg_hostile_start() { # [hostile-registry.py ARGS]
	local dir=$REG_DIR/hostile
	reg_certs || return 1
	mkdir -p "$dir"
	rm -f "$dir/port"
	reg_daemon "$dir/server.log" "$REG_PY" "$REG_LIB/hostile-registry.py" \
		--cert "$REG_PKI/server.crt" --key "$REG_PKI/server.key" --dir "$dir" \
		--port-file "$dir/port" --user "$REG_USER:$REG_PASS" "$@"
	reg_wait_file "$dir/port" "$REG_LAST_PID" ||
		{ echo "reg_hostile_start: $(tail -3 "$dir/server.log")" >&2; return 1; }
	read -r p1 p2 < "$dir/port"
	HOSTILE_ADDR=127.0.0.1:$p1 HOSTILE_OTHER=localhost:$p2 HOSTILE_PID=$REG_LAST_PID
	reg_certs_d "$HOSTILE_ADDR"
	reg_certs_d "$HOSTILE_OTHER"
}

reg_image() { # three-layer|multiarch|big DIR [MB]
	"$REG_PY" "$REG_LIB/ociimage.py" "$@"
}

# Not exported: docker-registry reads every REGISTRY_* variable as configuration.
reg_skopeo() {
	CONTAINERS_REGISTRIES_CONF=$REG_DIR/registries.conf REGISTRY_AUTH_FILE=$REG_DIR/auth.json \
		skopeo --policy "$REG_DIR/policy.json" "$@"
}

reg_treecmp() {
	"$REG_PY" "$REG_LIB/treecmp.py" "$@"
}

reg_probe() {
	"$REG_PY" "$REG_LIB/probe.py" --ca "$REG_PKI/ca.crt" "$@"
}

reg_push() { # LAYOUT TAG REPO:TAG [oci|v2s2|all]
	local how=${4:-oci} opts
	case $how in
	oci) opts=--preserve-digests ;;
	v2s2) opts='--format v2s2' ;;
	all) opts='--all --preserve-digests' ;;
	esac
	# shellcheck disable=SC2086 # $opts is a list of options
	reg_skopeo copy -q $opts --dest-cert-dir "$REG_CERTS" \
		${REG_CREDS:+--dest-creds "$REG_CREDS"} "oci:$1:$2" "docker://$REG_ADDR/$3"
}

reg_ref_unpack() { # REPO:TAG DIR
	reg_skopeo copy -q --src-cert-dir "$REG_CERTS" ${REG_CREDS:+--src-creds "$REG_CREDS"} \
		"docker://$REG_ADDR/$1" "oci:$2.oci:ref" &&
	umoci unpack --image "$2.oci:ref" "$2" > /dev/null
}

# The digest that TAG names in the index.json of LAYOUT; with a jq-like PATH after it (keys
# and list indexes separated by dots), the value at PATH in the JSON blob of that digest.
reg_layout_get() { # LAYOUT TAG [PATH]
	"$REG_PY" - "$@" <<'PY'
import json, os, sys
lay, tag, path = sys.argv[1], sys.argv[2], (sys.argv[3:] or [""])[0]
idx = json.load(open(os.path.join(lay, "index.json")))
d = [m["digest"] for m in idx["manifests"]
     if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag][0]
if path:
    v = json.load(open(os.path.join(lay, "blobs", *d.split(":"))))
    for k in path.split("."):
        v = v[int(k)] if isinstance(v, list) else v[k]
    d = v if isinstance(v, str) else json.dumps(v)
print(d)
PY
}
