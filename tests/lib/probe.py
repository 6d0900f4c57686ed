#!/usr/bin/env python3
"""One HTTPS request, reported in lines a shell test can compare (curl is not a dependency):
  status CODE
  NAME: VALUE             for each -o NAME asked for, "NAME: -" when the header is absent
  bytes N                 the body bytes read
  sha256 HEX              with --sha
  <body>                  with --body (as text)
  truncated after N of M  when the connection ends before Content-Length
  timeout after N bytes   when --timeout passes between two reads
  stopped after N bytes   when --max-bytes is reached (the rest is never read)
  error: WHY              when no response came (TLS refused, connection refused)
Redirects are not followed: the Location is for the test to look at.

  probe.py [--ca F] [--cert C --key K] [--user U:P | --bearer TOKEN] [-H 'K: V']...
           [--range SPEC] [--timeout S] [--max-bytes N] [-o HEADER]... [--sha] [--body]
           [METHOD] URL
"""
import argparse
import base64
import hashlib
import http.client
import signal
import socket
import ssl
import sys
import urllib.parse


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ca")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user")
    p.add_argument("--bearer")
    p.add_argument("-H", dest="headers", action="append", default=[])
    p.add_argument("--range")
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--max-bytes", type=int, default=0)
    p.add_argument("-o", dest="show", action="append", default=[])
    p.add_argument("--sha", action="store_true")
    p.add_argument("--body", action="store_true")
    p.add_argument("args", nargs="+")
    a = p.parse_args()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    method, url = ("GET", a.args[0]) if len(a.args) == 1 else a.args[:2]
    u = urllib.parse.urlsplit(url)
    ctx = ssl.create_default_context(cafile=a.ca)
    if a.cert:
        ctx.load_cert_chain(a.cert, a.key)
    hdrs = {}
    for h in a.headers:
        k, v = h.split(":", 1)
        hdrs[k.strip()] = v.strip()
    if a.user:
        hdrs["Authorization"] = "Basic " + base64.b64encode(a.user.encode()).decode()
    if a.bearer:
        hdrs["Authorization"] = "Bearer " + a.bearer
    if a.range:
        hdrs["Range"] = "bytes=" + a.range
    c = http.client.HTTPSConnection(u.hostname, u.port or 443, timeout=a.timeout, context=ctx)
    try:
        c.request(method, u.path + ("?" + u.query if u.query else ""), headers=hdrs)
        r = c.getresponse()
    except (OSError, http.client.HTTPException) as e:
        print("error: %s" % (e.__class__.__name__ if not str(e) else e))
        return 0
    print("status %d" % r.status)
    for name in a.show:
        print("%s: %s" % (name, r.getheader(name, "-")))
    h, n, body, end = hashlib.sha256(), 0, bytearray(), None
    want = r.length
    while True:
        if a.max_bytes and n >= a.max_bytes:
            end = "stopped after %d bytes" % n
            break
        try:
            want_now = min(65536, a.max_bytes - n) if a.max_bytes else 65536
            b = r.read1(want_now) if method != "HEAD" else b""
        except socket.timeout:
            end = "timeout after %d bytes" % n
            break
        except http.client.IncompleteRead as e:
            n += len(e.partial)
            end = "truncated after %d of %s" % (n, want)
            break
        except (OSError, http.client.HTTPException) as e:
            end = "error after %d bytes: %s" % (n, e.__class__.__name__)
            break
        if not b:
            if want is not None and r.length and method != "HEAD":
                end = "truncated after %d of %d" % (n, want)
            break
        n += len(b)
        h.update(b)
        if a.body:
            body += b
    print("bytes %d" % n)
    if a.sha:
        print("sha256 %s" % h.hexdigest())
    if a.body:
        sys.stdout.write(body.decode(errors="replace") + ("" if body.endswith(b"\n") else "\n"))
    if end:
        print(end)
    return 0


if __name__ == "__main__":
    sys.exit(main())
