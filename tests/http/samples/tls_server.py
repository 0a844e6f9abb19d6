"""A small HTTPS server for omni.http's TLS tests: 127.0.0.1, a free port
(printed as "port N"), the certificate and key given, serves until killed or
60 s pass. GET /hello -> "hello over tls"; POST /sse -> three SSE events;
GET /v1/models needs "Authorization: Bearer sk-tls-secret".
usage: tls_server.py CERT KEY"""
import http.server
import ssl
import sys
import threading
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_body(self, status, body, ctype="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/hello":
            self.send_body(200, b"hello over tls")
        elif self.path == "/v1/models":
            ok = self.headers.get("Authorization") == "Bearer sk-tls-secret"
            self.send_body(200 if ok else 401, b'{"data":[]}' if ok else b'{"error":"key"}', "application/json")
        else:
            self.send_body(404, b"no route")

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for ev in (b'data: {"n":1}\n\n', b'data: {"n":2}\n\n', b"data: [DONE]\n\n"):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(ev), ev))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")


def main(cert, key):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("port", srv.server_address[1], flush=True)
    threading.Timer(60, srv.shutdown).start()
    srv.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
