#!/usr/bin/env python3
"""Git's smart HTTP protocol for the tests: `git http-backend` (CGI) behind
a small threaded HTTP server from the Python standard library.

    git-http-server.py --root DIR [--behaviour normal|not-found|require-auth]
    git-http-server.py --root DIR --behaviour basic-auth --credentials USER:PASSWORD

Binds 127.0.0.1 on a port chosen by the OS and prints that port, alone on
one line, on stdout; then serves until killed. Repositories are the
directories below DIR (all exported: GIT_HTTP_EXPORT_ALL). One line per
request is logged on stderr.

Behaviours, for the tests of bad remotes:
  normal        every request goes to `git http-backend`;
  not-found     every request is answered 404 Not Found;
  require-auth  every request is answered 401 Unauthorized with
                `WWW-Authenticate: Basic realm="test"` (credentials are
                never accepted);
  basic-auth    a request with HTTP Basic credentials USER:PASSWORD goes to
                `git http-backend`, any other is answered as require-auth
                does. Each is logged as `auth: accepted`, `auth: refused`
                (wrong credentials) or `auth: none`, never with the
                credentials.

The environment is passed on to `git http-backend` (so GIT_CONFIG_* set by
the caller reach it), plus the CGI variables of the request.
"""

import argparse
import base64
import http.server
import os
import subprocess
import sys
import urllib.parse

# Request headers that are CGI variables of their own, not HTTP_*.
SPECIAL_HEADERS = {"content-type", "content-length", "transfer-encoding"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "repoflame-test-git-http"

    def do_GET(self):
        self.handle_git()

    def do_POST(self):
        self.handle_git()

    def do_HEAD(self):
        self.handle_git()

    def log_message(self, format, *args):
        sys.stderr.write("http: %s %s\n" % (self.address_string(), format % args))
        sys.stderr.flush()

    def read_body(self):
        """The request body, de-chunked when sent with chunked encoding."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                line = self.rfile.readline()
                if not line:
                    break
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # Trailers, up to the empty line.
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # the CRLF after the chunk
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def reply(self, status, reason, headers, body):
        self.send_response(status, reason)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def handle_git(self):
        # Read the body first, always, so a kept-alive connection stays in
        # step whatever the answer.
        body = self.read_body()
        behaviour = self.server.behaviour
        if behaviour == "not-found":
            self.reply(404, "Not Found", [("Content-Type", "text/plain")], b"Not Found\n")
            return
        if behaviour == "basic-auth":
            given = self.headers.get("Authorization")
            if given == self.server.authorization:
                self.log_message("auth: accepted")
            else:
                self.log_message("auth: %s", "refused" if given else "none")
                behaviour = "require-auth"
        if behaviour == "require-auth":
            self.reply(
                401,
                "Unauthorized",
                [
                    ("WWW-Authenticate", 'Basic realm="test"'),
                    ("Content-Type", "text/plain"),
                ],
                b"Authentication required\n",
            )
            return

        path, _, query = self.path.partition("?")
        env = dict(os.environ)
        env.update(
            {
                "GIT_PROJECT_ROOT": self.server.root,
                "GIT_HTTP_EXPORT_ALL": "1",
                "GATEWAY_INTERFACE": "CGI/1.1",
                "SERVER_PROTOCOL": self.request_version,
                "SERVER_SOFTWARE": self.server_version,
                "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": str(self.server.server_address[1]),
                "REQUEST_METHOD": self.command,
                "SCRIPT_NAME": "",
                "PATH_INFO": urllib.parse.unquote(path),
                "QUERY_STRING": query,
                "REMOTE_ADDR": self.client_address[0],
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
            }
        )
        for name, value in self.headers.items():
            if name.lower() not in SPECIAL_HEADERS:
                # Git-Protocol (protocol v2) and Content-Encoding (gzipped
                # requests) matter to http-backend.
                env["HTTP_" + name.upper().replace("-", "_")] = value

        proc = subprocess.run(
            ["git", "http-backend"], input=body, capture_output=True, env=env
        )
        if proc.stderr:
            text = proc.stderr.decode("utf-8", "replace")
            sys.stderr.write(text if text.endswith("\n") else text + "\n")
            sys.stderr.flush()
        out = proc.stdout
        # The CGI response: headers, an empty line, the body.
        ends = [i for i in (out.find(b"\r\n\r\n"), out.find(b"\n\n")) if i >= 0]
        if proc.returncode != 0 and not ends:
            self.reply(
                500,
                "Internal Server Error",
                [("Content-Type", "text/plain")],
                b"git http-backend failed\n",
            )
            return
        end = min(ends) if ends else len(out)
        sep = 4 if out[end : end + 4] == b"\r\n\r\n" else 2
        head, payload = out[:end], out[end + sep :]
        status, reason, headers = 200, "OK", []
        for line in head.decode("latin-1").splitlines():
            if not line.strip():
                continue
            name, _, value = line.partition(":")
            name, value = name.strip(), value.strip()
            if name.lower() == "status":
                code, _, reason = value.partition(" ")
                status = int(code)
            elif name.lower() != "content-length":
                headers.append((name, value))
        self.reply(status, reason, headers, payload)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, help="directory holding the repositories")
    parser.add_argument(
        "--behaviour",
        default="normal",
        choices=["normal", "not-found", "require-auth", "basic-auth"],
    )
    parser.add_argument(
        "--credentials", help="USER:PASSWORD that basic-auth accepts"
    )
    args = parser.parse_args()
    if (args.behaviour == "basic-auth") != (args.credentials is not None):
        parser.error("--credentials goes with --behaviour basic-auth, and only with it")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.root = os.path.abspath(args.root)
    server.behaviour = args.behaviour
    server.authorization = None
    if args.credentials is not None:
        token = base64.b64encode(args.credentials.encode("utf-8")).decode("ascii")
        server.authorization = "Basic " + token
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
