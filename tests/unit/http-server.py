#!/usr/bin/env python3
"""Servers for tests/unit/http.c: HTTP/1.1 servers (plain or TLS) with routes that behave well
and badly, and a forward proxy (absolute-form GET and CONNECT) that logs each request it gets.

  http-server.py [--watch PID] [--log FILE] NAME=SPEC...   one process, many servers; SPEC is
      plain | plain6 (on ::1) | tls:CERT:KEY[:CLIENT-CA] | proxy[:USER:PASS]
  http-server.py --proxy [--proxy-auth USER:PASS] [--log FILE]

Prints the ports it bound on one line ("NAME=PORT ...", or just PORT for the proxy; 0 for a
server that could not bind), then serves until killed, or until process PID is gone.

The proxy sends every host ending in ".test" to 127.0.0.1: names the client cannot resolve
itself, so reaching them proves it went through the proxy."""
import argparse, base64, hashlib, itertools, os, select, socket, socketserver, ssl, sys, threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

conn_ids = itertools.count(1)
BLOB = bytes(range(256)) * 4096 # 1 MiB pattern

def blob(n):
    return (BLOB * (n // len(BLOB) + 1))[:n]

RAW = {
    'status-short': b'HTTP/1.1 20 OK\r\n\r\n',
    'status-http2': b'HTTP/2 200 OK\r\n\r\n',
    'status-icy': b'ICY 200 OK\r\n\r\n',
    'status-empty': b'\r\n\r\n',
    'field-no-colon': b'HTTP/1.1 200 OK\r\nBad Header\r\nContent-Length: 0\r\n\r\n',
    'field-space-colon': b'HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n',
    'field-folded': b'HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\nContent-Length: 0\r\n\r\n',
    'field-nul': b'HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n',
    'field-cr': b'HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n',
    'cl-twice': b'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
    'cl-negative': b'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
    'cl-same-twice': b'HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello',
    'te-gzip': b'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n',
    'chunk-bad-size': b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    'chunk-no-crlf': b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n0\r\n\r\n',
    'chunk-cut': b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n10\r\n01234',
    'http10': b'HTTP/1.0 200 OK\r\n\r\nuntil close',
    'lf-only': b'HTTP/1.1 200 OK\nContent-Length: 2\n\nok',
    'continue': b'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    'no-reason': b'HTTP/1.1 204\r\n\r\n',
    'big-header': b'HTTP/1.1 200 OK\r\n' + b''.join(b'X-Pad-%d: %s\r\n' % (i, b'a' * 1000)
                                                    for i in range(70)) + b'\r\n',
    'long-line': b'HTTP/1.1 200 OK\r\nX-Long: ' + b'b' * 20000 + b'\r\n\r\n',
    'many-fields': b'HTTP/1.1 200 OK\r\n' + b'X: 1\r\n' * 300 + b'Content-Length: 0\r\n\r\n',
    'range-wrong': b'HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 11-19/20\r\n'
                   b'Content-Length: 9\r\n\r\n123456789',
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def setup(self):
        if self.server.tls:
            self.request = self.server.tls.wrap_socket(self.request, server_side=True)
        super().setup()
        self.conn_id = next(conn_ids)
        self.nreq = 0

    def log_message(self, *a):
        pass

    def read_body(self):
        if 'chunked' in self.headers.get('Transfer-Encoding', ''):
            data = b''
            while True:
                size = int(self.rfile.readline().split(b';')[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get('Content-Length', 0)))

    def send(self, code, body=b'', headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header('X-Conn', str(self.conn_id))
        self.send_header('X-Req', str(self.nreq))
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def route(self):
        self.nreq += 1
        u = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        body = self.read_body()
        getattr(self, 'r_' + (u.path.strip('/').replace('-', '_') or 'hello'), self.r_missing)(q, body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = route

    def r_missing(self, q, body):
        self.send(404, b'no such route\n')

    def r_hello(self, q, body):
        self.send(200, b'hello\n')

    def r_echo(self, q, body):
        h = self.headers
        lines = ['method=' + self.command, 'path=' + self.path]
        for k in ('Host', 'Authorization', 'User-Agent', 'Range', 'Transfer-Encoding',
                  'Content-Length', 'X-Custom'):
            if h.get(k) is not None:
                lines.append('%s=%s' % (k.lower(), h.get(k)))
        lines.append('body=%d %s' % (len(body), hashlib.sha256(body).hexdigest()[:16]))
        self.send(200, ('\n'.join(lines) + '\n').encode())

    def r_blob(self, q, body):
        data = blob(int(q.get('n', 1000)))
        if q.get('chunked'):
            self.send_response(200)
            self.send_header('Transfer-Encoding', 'chunked')
            self.send_header('X-Conn', str(self.conn_id))
            self.send_header('X-Conn', str(self.conn_id))
            self.end_headers()
            sizes = itertools.cycle([1, 4000, 17, 65536, 333])
            i = 0
            while i < len(data):
                part = data[i:i + next(sizes)]
                self.wfile.write(b'%x;ext=1\r\n%s\r\n' % (len(part), part))
                i += len(part)
            self.wfile.write(b'0\r\nX-Trailer: yes\r\n\r\n')
        else:
            self.send(200, data)

    def r_range(self, q, body):
        data = blob(int(q.get('n', 1000)))
        r = self.headers.get('Range')
        if q.get('ignore') or not r:
            return self.send(200, data)
        start = int(r.split('=')[1].rstrip('-'))
        if start >= len(data):
            return self.send(416, b'', [('Content-Range', 'bytes */%d' % len(data))])
        self.send(206, data[start:], [('Content-Range', 'bytes %d-%d/%d' % (start, len(data) - 1, len(data)))])

    def r_redirect(self, q, body):
        self.send(int(q.get('code', 302)), b'moved\n', [('Location', q['to'])])

    def r_loop(self, q, body):
        self.send(302, b'', [('Location', '/loop')])

    def r_chain(self, q, body):
        n = int(q.get('n', 1))
        self.send(302, b'', [('Location', '/chain?n=%d' % (n - 1) if n > 1 else '/hello')])

    def r_slow(self, q, body):
        self.send_response(200)
        self.send_header('Content-Length', '100')
        self.end_headers()
        self.wfile.write(b'0123456789')
        self.wfile.flush()
        time.sleep(30)

    def r_slowhead(self, q, body):
        time.sleep(30)

    def r_truncated(self, q, body):
        self.send_response(200)
        self.send_header('Content-Length', '100')
        self.end_headers()
        self.wfile.write(b'0123456789')
        self.close_connection = True

    def r_close(self, q, body):
        self.send(200, b'closing\n', [('Connection', 'close')])
        self.close_connection = True

    def r_drop_second(self, q, body):
        if self.nreq > 1:
            self.close_connection = True
            return
        self.send(200, b'first on its connection\n')

    def r_status(self, q, body):
        self.send(int(q['code']), q.get('body', '').encode())

    def r_raw(self, q, body):
        self.wfile.write(RAW[q['case']])
        self.wfile.flush()
        self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass # failed handshakes are what some tests are about


# ---- the proxy ----

def relay(a, b):
    socks = [a, b]
    while True:
        r, _, _ = select.select(socks, [], [], 30)
        if not r:
            return
        for s in r:
            data = s.recv(65536)
            if not data:
                return
            (b if s is a else a).sendall(data)


def upstream(host, port):
    return socket.create_connection(('127.0.0.1' if host.endswith('.test') else host, port))


class ProxyHandler(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline(65536).decode('latin-1')
        headers = []
        while True:
            h = self.rfile.readline(65536)
            if h in (b'\r\n', b'\n', b''):
                break
            k, v = h.decode('latin-1').split(':', 1)
            headers.append((k.strip(), v.strip()))
        method, target, _ = line.split()
        auth = dict((k.lower(), v) for k, v in headers).get('proxy-authorization', '-')
        with open(self.server.log, 'a') as f:
            f.write('%s %s auth=%s\n' % (method, target, auth))
        if self.server.auth and auth != 'Basic ' + self.server.auth:
            self.wfile.write(b'HTTP/1.1 407 Proxy Authentication Required\r\n'
                             b'Proxy-Authenticate: Basic realm="t"\r\nContent-Length: 0\r\n\r\n')
            return
        if method == 'CONNECT':
            host, port = target.rsplit(':', 1)
            up = upstream(host.strip('[]'), int(port))
            self.wfile.write(b'HTTP/1.1 200 Connection established\r\n\r\n')
            self.wfile.flush()
            relay(self.connection, up)
            return
        u = urlsplit(target)
        up = upstream(u.hostname, u.port or 80)
        req = '%s %s%s HTTP/1.1\r\n' % (method, u.path or '/', '?' + u.query if u.query else '')
        for k, v in headers:
            if not k.lower().startswith('proxy-') and k.lower() != 'connection':
                req += '%s: %s\r\n' % (k, v)
        up.sendall((req + 'Connection: close\r\n\r\n').encode('latin-1'))
        while True:
            data = up.recv(65536)
            if not data:
                break
            self.wfile.write(data)


class ProxyServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass # clients that give up mid-relay


def make_server(spec, log):
    kind, *files = spec.split(':')
    if kind == 'proxy':
        srv = ProxyServer(('127.0.0.1', 0), ProxyHandler)
        srv.log = log
        srv.auth = base64.b64encode(':'.join(files).encode()).decode() if files else None
        return srv
    v6 = type('V6', (Server,), {'address_family': socket.AF_INET6})
    try:
        srv = (v6 if kind == 'plain6' else Server)(('::1' if kind == 'plain6' else '127.0.0.1', 0), Handler)
    except OSError:
        return None
    srv.tls = None
    if kind == 'tls':
        srv.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        srv.tls.load_cert_chain(files[0], files[1])
        if len(files) > 2:
            srv.tls.verify_mode = ssl.CERT_REQUIRED
            srv.tls.load_verify_locations(files[2])
    return srv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--watch', type=int)
    ap.add_argument('--proxy', action='store_true')
    ap.add_argument('--proxy-auth')
    ap.add_argument('--log', default='/dev/null')
    ap.add_argument('specs', nargs='*')
    a = ap.parse_args()
    if a.proxy:
        srv = ProxyServer(('127.0.0.1', 0), ProxyHandler)
        srv.log = a.log
        srv.auth = base64.b64encode(a.proxy_auth.encode()).decode() if a.proxy_auth else None
        ports = [str(srv.server_address[1])]
        servers = [srv]
    else:
        ports, servers = [], []
        for spec in a.specs:
            name, spec = spec.split('=', 1)
            srv = make_server(spec, a.log)
            ports.append('%s=%d' % (name, srv.server_address[1] if srv else 0))
            if srv:
                servers.append(srv)
    for srv in servers:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    # One write, then nothing more: the test stops reading after the newline.
    os.write(1, (' '.join(ports) + '\n').encode())
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    while True:
        time.sleep(0.2)
        if a.watch:
            try:
                os.kill(a.watch, 0)
            except ProcessLookupError:
                os._exit(0)


if __name__ == '__main__':
    main()
