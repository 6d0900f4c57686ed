#!/usr/bin/env python3
"""A registry (distribution API, HTTPS) that misbehaves on purpose, chosen by the first
component of the repository name. It serves correct images too, from OCI layouts, so faults
can be injected into an otherwise valid pull.

Images: --layout DIR (repeatable) adds every tag of an OCI layout, blobs streamed from disk;
the built-in three-layer image of ociimage.py (tag v1) is always there. Modes (NAME = MODE/x):
  good            served as it is, Range honoured (206, Content-Range; 416 past the end)
  wrong-digest    layer blobs have one byte flipped (same length)
  truncated       layer blobs: full Content-Length, half the body, then the connection closes
  slow            layer blobs drip one byte per --drip seconds (default 1)
  redirect-loop   every blob GET answers 302 to a new URL of the same blob, forever
  redirect-other  needs Basic --user; blob GETs answer 307 to https://localhost:PORT2/objects/..
                  (object storage: another host and port, a signed query). That server answers
                  400 when an Authorization header arrives there, as S3 does
  token           needs a Bearer token from /token (WWW-Authenticate: Bearer realm=.., scope=..);
                  /token accepts no credentials or --user, tokens are good for their repository
  schema1         a signed schema1 manifest unless Accept names schema2 or OCI types
  cut-N           layer blobs: the first GET without Range of each blob stops after N bytes
                  (full Content-Length, then close); later GETs and Range requests are served
  cut-N-HEX       the same for the layer whose digest starts with HEX only
  huge-manifest   any manifest is 100 MiB (--huge-mb), streamed, never held in memory
  malformed       any manifest is broken JSON (its Docker-Content-Digest is right)
  evil-dotdot, evil-absolute, evil-symlink-escape, evil-device
                  tag v1: a valid image whose one layer holds ../ names, absolute names, a
                  symlink to /tmp and a file through it, a character device (1,1)
Every request on both ports is recorded: GET /_log returns them as JSON (port, method, path,
headers), --log FILE gets one JSON line each.

  hostile-registry.py --cert C --key K --dir WORK --port-file F [--layout DIR]...
                      [--user U:P] [--drip S] [--huge-mb N] [--log F]
The port file gets "PORT PORT2" once both listen.
"""
import argparse
import base64
import hashlib
import http.server
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ociimage  # noqa: E402

DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+prettyjws"
MODERN = (DOCKER_V2, DOCKER_LIST, ociimage.MT_MANIFEST, ociimage.MT_INDEX)
MANIFEST_TYPES = MODERN + (SCHEMA1,)


class Store:
    """Tags and blobs of every layout, by digest; blob bodies stay on disk."""

    def __init__(self):
        self.tags, self.blobs, self.layers, self.types = {}, {}, set(), {}

    def add_layout(self, path, prefix=""):
        idx = json.load(open(os.path.join(path, "index.json")))
        for d in os.listdir(os.path.join(path, "blobs", "sha256")):
            self.blobs["sha256:" + d] = os.path.join(path, "blobs", "sha256", d)
        todo = list(idx.get("manifests", []))
        for desc in todo:
            tag = desc.get("annotations", {}).get("org.opencontainers.image.ref.name")
            if tag:
                self.tags[prefix + tag] = desc["digest"]
        while todo:
            desc = todo.pop()
            self.types[desc["digest"]] = desc["mediaType"]
            m = json.load(open(self.blobs[desc["digest"]]))
            todo += m.get("manifests", [])
            for layer in m.get("layers", []):
                self.layers.add(layer["digest"])

    def resolve(self, ref, prefix=""):
        return ref if ref.startswith("sha256:") else self.tags.get(prefix + ref)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    # ---- plumbing ----
    def record(self):
        e = {"port": self.server.role, "method": self.command, "path": self.path,
             "headers": {k: v for k, v in self.headers.items()}}
        g = self.server.g
        with g.lock:
            g.requests.append(e)
            if g.args.log:
                with open(g.args.log, "a") as f:
                    f.write(json.dumps(e) + "\n")

    def head(self, code, length, ctype="application/json", extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()

    def reply(self, code, body, ctype="application/json", extra=()):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        self.head(code, len(body), ctype, extra)
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, code, err, msg, extra=()):
        self.reply(code, {"errors": [{"code": err, "message": msg}]}, extra=extra)

    def cut(self):
        """Ends the connection now: the client sees fewer bytes than Content-Length."""
        self.close_connection = True
        self.wfile.flush()
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def send_file(self, path, start=0, end=None, limit=None, flip=False, drip=0):
        """Sends bytes [start, end) of PATH; stops after LIMIT bytes, flips the first byte,
        or drips one byte per DRIP seconds."""
        end = os.path.getsize(path) if end is None else end
        sent = 0
        with open(path, "rb") as f:
            f.seek(start)
            pos = start
            while pos < end:
                n = min(65536, end - pos)
                if drip:
                    n = 1
                if limit is not None:
                    n = min(n, limit - sent)
                    if n <= 0:
                        return self.cut()
                b = f.read(n)
                if flip and pos == 0:
                    b = bytes([b[0] ^ 0xFF]) + b[1:]
                try:
                    self.wfile.write(b)
                    if drip:
                        self.wfile.flush()
                        time.sleep(drip)
                except OSError:
                    self.close_connection = True
                    return
                pos += len(b)
                sent += len(b)

    # ---- requests ----
    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        self.record()
        u = urllib.parse.urlsplit(self.path)
        if u.path == "/_log":
            with self.server.g.lock:
                return self.reply(200, self.server.g.requests)
        if self.server.role == "other":
            return self.object_storage(u)
        if u.path == "/token":
            return self.token(u)
        if u.path in ("/v2", "/v2/"):
            return self.reply(200, {})
        m = re.match(r"^/v2/(.+)/(manifests|blobs)/([^/]+)$", u.path)
        if not m:
            return self.error(404, "NAME_UNKNOWN", "no such route")
        name, kind, ref = m.groups()
        mode = name.split("/", 1)[0]
        if not self.authorized(mode, name):
            return
        if kind == "manifests":
            return self.manifest(mode, name, ref)
        return self.blob(mode, name, ref, u)

    def authorized(self, mode, name):
        g, auth = self.server.g, self.headers.get("Authorization", "")
        if mode == "redirect-other":
            if auth == "Basic " + base64.b64encode(g.args.user.encode()).decode():
                return True
            self.error(401, "UNAUTHORIZED", "authentication required",
                       [("WWW-Authenticate", 'Basic realm="hostile"')])
            return False
        if mode == "token":
            with g.lock:
                t = g.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
            if t and t[0] == name and t[1] > time.time():
                return True
            realm = "https://127.0.0.1:%d/token" % g.port
            self.error(401, "UNAUTHORIZED", "authentication required",
                       [("WWW-Authenticate", 'Bearer realm="%s",service="hostile",'
                         'scope="repository:%s:pull"' % (realm, name))])
            return False
        return True

    def token(self, u):
        g = self.server.g
        q = urllib.parse.parse_qs(u.query)
        auth = self.headers.get("Authorization", "")
        if auth and auth != "Basic " + base64.b64encode(g.args.user.encode()).decode():
            return self.error(401, "UNAUTHORIZED", "bad credentials",
                              [("WWW-Authenticate", 'Basic realm="hostile-token"')])
        names = [s.split(":")[1] for s in q.get("scope", []) if s.startswith("repository:")]
        tok = os.urandom(16).hex()
        with g.lock:
            g.tokens[tok] = (names[0] if names else "", time.time() + 300)
        self.reply(200, {"token": tok, "expires_in": 300})

    def manifest(self, mode, name, ref):
        g = self.server.g
        if mode == "huge-manifest":
            return self.huge_manifest()
        if mode == "malformed":
            body = b'{"schemaVersion": 2, "mediaType": "%s", "config": {"digest": ' % \
                ociimage.MT_MANIFEST.encode()
            return self.reply(200, body, ociimage.MT_MANIFEST,
                              [("Docker-Content-Digest", ociimage.sha(body))])
        prefix = mode + ":" if mode.startswith("evil-") else ""
        digest = g.store.resolve(ref, prefix)
        if digest not in g.store.types:
            return self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")
        accept = ",".join(self.headers.get_all("Accept") or [])
        if mode == "schema1" and not any(t in accept for t in MODERN):
            body = schema1(name, ref, json.load(open(g.store.blobs[digest])))
            return self.reply(200, body, SCHEMA1, [("Docker-Content-Digest", ociimage.sha(body))])
        path = g.store.blobs[digest]
        self.head(200, os.path.getsize(path), g.store.types[digest],
                  [("Docker-Content-Digest", digest)])
        if self.command != "HEAD":
            self.send_file(path)

    def huge_manifest(self):
        size = self.server.g.args.huge_mb << 20
        start = b'{"schemaVersion":2,"mediaType":"%s","annotations":{"pad":"' % \
            ociimage.MT_MANIFEST.encode()
        tail = b'"}}'
        self.head(200, size, ociimage.MT_MANIFEST)
        if self.command == "HEAD":
            return
        try:
            self.wfile.write(start)
            left, chunk = size - len(start) - len(tail), b"A" * 65536
            while left > 0:
                self.wfile.write(chunk[:left])
                left -= min(left, len(chunk))
            self.wfile.write(tail)
        except OSError:
            self.close_connection = True

    def blob(self, mode, name, digest, u):
        g = self.server.g
        path = g.store.blobs.get(digest)
        if path is None:
            return self.error(404, "BLOB_UNKNOWN", "blob unknown")
        if mode == "redirect-loop" and self.command == "GET":
            n = int(urllib.parse.parse_qs(u.query).get("hop", ["0"])[0]) + 1
            return self.reply(302, b"", extra=[("Location", "/v2/%s/blobs/%s?hop=%d"
                                                 % (name, digest, n))])
        if mode == "redirect-other" and self.command == "GET":
            loc = "https://localhost:%d/objects/%s?X-Amz-Signature=%s" % (
                g.port2, digest, hashlib.sha256(digest.encode()).hexdigest()[:32])
            return self.reply(307, b"", extra=[("Location", loc)])
        layer = digest in g.store.layers
        limit = None
        cut = mode.split("-")
        if (cut[0] == "cut" and layer and "Range" not in self.headers and
                digest[7:].startswith(cut[2] if len(cut) > 2 else "")):
            with g.lock:
                first = (name, digest) not in g.cut_done
                g.cut_done.add((name, digest))
            if first:
                limit = int(cut[1])
        self.serve_blob(path, digest, limit=limit, flip=layer and mode == "wrong-digest",
                        half=layer and mode == "truncated",
                        drip=g.args.drip if layer and mode == "slow" else 0)

    def serve_blob(self, path, digest, limit=None, flip=False, half=False, drip=0):
        size = os.path.getsize(path)
        start, end, code, extra = 0, size, 200, [("Docker-Content-Digest", digest),
                                                ("Accept-Ranges", "bytes")]
        rng = self.headers.get("Range")
        if rng:
            m = re.match(r"^bytes=(\d+)-(\d*)$", rng)
            if not m or int(m.group(1)) >= size:
                return self.reply(416, b"", extra=[("Content-Range", "bytes */%d" % size)])
            start = int(m.group(1))
            end = min(size, int(m.group(2)) + 1) if m.group(2) else size
            code = 206
            extra.append(("Content-Range", "bytes %d-%d/%d" % (start, end - 1, size)))
        self.head(code, end - start, "application/octet-stream", extra)
        if self.command == "HEAD":
            return
        if half:
            limit = (end - start) // 2
        self.send_file(path, start, end, limit=limit, flip=flip, drip=drip)

    def object_storage(self, u):
        m = re.match(r"^/objects/(sha256:[0-9a-f]{64})$", u.path)
        if not m or m.group(1) not in self.server.g.store.blobs:
            return self.reply(404, b"<Error><Code>NoSuchKey</Code></Error>", "application/xml")
        if "Authorization" in self.headers:
            return self.reply(400, b"<Error><Code>InvalidArgument</Code><Message>Only one auth "
                              b"mechanism allowed</Message></Error>", "application/xml")
        self.serve_blob(self.server.g.store.blobs[m.group(1)], m.group(1))


def schema1(name, tag, manifest):
    """A signed schema1 manifest (what distribution 2.8 sends without Accept): layers in
    reverse order as fsLayers, a v1Compatibility per layer, a JWS signature block."""
    layers = manifest.get("layers", [])
    hist = [{"v1Compatibility": json.dumps({"id": hashlib.sha256(b"%d" % i).hexdigest()})}
            for i in range(len(layers))]
    body = {"schemaVersion": 1, "name": name, "tag": tag, "architecture": "amd64",
            "fsLayers": [{"blobSum": x["digest"]} for x in reversed(layers)],
            "history": hist}
    payload = json.dumps(body, indent=3).encode()
    prot = base64.urlsafe_b64encode(json.dumps(
        {"formatLength": len(payload) - 2, "formatTail": "Cn0",
         "time": "2023-11-14T22:13:20Z"}).encode()).rstrip(b"=").decode()
    sig = {"header": {"jwk": {"crv": "P-256", "kid": "TEST:TEST", "kty": "EC",
                              "x": "AAAA", "y": "AAAA"}, "alg": "ES256"},
           "signature": "AAAA", "protected": prot}
    return payload[:-2] + b',\n   "signatures": ' + json.dumps([sig]).encode() + b"\n}"


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def listen(g, role, ctx):
    s = Server(("127.0.0.1", 0), Handler)
    s.g, s.role = g, role
    # The handshake happens in the handler's thread, so a client that never speaks TLS
    # does not block the accept loop.
    s.socket = ctx.wrap_socket(s.socket, server_side=True, do_handshake_on_connect=False)
    return s


def main():
    p = argparse.ArgumentParser()
    for o in ("--cert", "--key", "--dir", "--port-file"):
        p.add_argument(o, required=True)
    p.add_argument("--layout", action="append", default=[])
    p.add_argument("--user", default="ocibox:s3cret-pass")
    p.add_argument("--drip", type=float, default=1.0)
    p.add_argument("--huge-mb", type=int, default=100)
    p.add_argument("--log")
    a = p.parse_args()

    g = argparse.Namespace(args=a, lock=threading.Lock(), requests=[], tokens={},
                           cut_done=set(), store=Store())
    builtin = os.path.join(a.dir, "three-layer")
    if not os.path.exists(os.path.join(builtin, "index.json")):
        ociimage.build_three_layer(builtin)
    g.store.add_layout(builtin)
    for kind in ociimage.HOSTILE:
        d = os.path.join(a.dir, "evil-" + kind)
        if not os.path.exists(os.path.join(d, "index.json")):
            ociimage.build_hostile(d, kind)
        g.store.add_layout(d, "evil-%s:" % kind)
    for lay in a.layout:
        g.store.add_layout(lay)

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    main_srv, other = listen(g, "main", ctx), listen(g, "other", ctx)
    g.port, g.port2 = main_srv.server_address[1], other.server_address[1]
    threading.Thread(target=other.serve_forever, daemon=True).start()
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d %d\n" % (g.port, g.port2))
    os.rename(a.port_file + ".tmp", a.port_file)
    main_srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
