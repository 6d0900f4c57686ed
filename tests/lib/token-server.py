#!/usr/bin/env python3
"""The realm of a registry configured with `auth: token:` (distribution's token spec): GET
/token?service=S&scope=repository:NAME:ACTIONS[&scope=...] answers {"token", "access_token",
"expires_in", "issued_at"} with a JWT signed RS256 by --sign-key, whose certificate
(--sign-cert, issued by the CA in the registry's rootcertbundle) travels in the x5c header.
Anonymous callers get pull only; --user NAME:PASS with Basic credentials gets what it asks;
wrong credentials get 401. Every request is appended to --log as one JSON line.

Signing uses the openssl command line, not the `cryptography` module: Debian's python3 has it
(python3-cryptography) but a python3 earlier on PATH (pyenv) may not, and openssl is already a
test dependency. RS256 is exactly `openssl dgst -sha256 -sign` (PKCS#1 v1.5).

  token-server.py --cert C --key K --sign-key SK --sign-cert SC --port-file F
                  [--issuer I] [--service S] [--user NAME:PASS] [--ttl SECONDS] [--log F]
"""
import argparse
import base64
import http.server
import json
import os
import ssl
import subprocess
import sys
import time
import urllib.parse


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def x5c(cert_pem):
    der = ssl.PEM_cert_to_DER_cert(open(cert_pem).read())
    return base64.b64encode(der).decode()


def sign_jwt(claims, key, chain):
    head = b64url(json.dumps({"typ": "JWT", "alg": "RS256", "x5c": chain}).encode())
    body = b64url(json.dumps(claims).encode())
    msg = ("%s.%s" % (head, body)).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=msg,
                         capture_output=True, check=True).stdout
    return "%s.%s" % (msg.decode(), b64url(sig))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, obj, extra=()):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        a = self.server.args
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        who, auth = "", self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            who = base64.b64decode(auth[6:]).decode(errors="replace")
        entry = {"path": url.path, "service": q.get("service", [""])[0],
                 "scope": q.get("scope", []), "account": q.get("account", [""])[0],
                 "user": who.split(":", 1)[0], "authorization": auth.split(" ", 1)[0]}
        with open(a.log, "a") as f:
            f.write(json.dumps(entry) + "\n")
        if url.path != "/token":
            return self.reply(404, {"error": "not found"})
        if who and who != a.user:
            return self.reply(401, {"error": "bad credentials"},
                              [("WWW-Authenticate", 'Basic realm="token"')])
        access = []
        for scope in q.get("scope", []):
            for s in scope.split(" "):
                parts = s.split(":")
                if len(parts) < 3:
                    continue
                kind, name, actions = parts[0], ":".join(parts[1:-1]), parts[-1].split(",")
                allowed = [x for x in actions if who or x == "pull"]
                access.append({"type": kind, "name": name, "actions": allowed})
        now = int(time.time())
        claims = {"iss": a.issuer, "sub": who.split(":", 1)[0], "aud": a.service,
                  "exp": now + a.ttl, "nbf": now - 10, "iat": now, "jti": os.urandom(8).hex(),
                  "access": access}
        tok = sign_jwt(claims, a.sign_key, self.server.chain)
        self.reply(200, {"token": tok, "access_token": tok, "expires_in": a.ttl,
                         "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))})


def main():
    p = argparse.ArgumentParser()
    for o in ("--cert", "--key", "--sign-key", "--sign-cert", "--port-file"):
        p.add_argument(o, required=True)
    p.add_argument("--issuer", default="ocibox-test-issuer")
    p.add_argument("--service", default="ocibox-test")
    p.add_argument("--user", default="ocibox:s3cret-pass")
    p.add_argument("--ttl", type=int, default=300)
    p.add_argument("--log", default=os.devnull)
    a = p.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.args, srv.chain = a, [x5c(a.sign_cert)]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
