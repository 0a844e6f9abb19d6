"""Canned raw HTTP/1.1 answers for omni.http's transport tests (framing,
interim answers, keep-alive races, early answers, garbage). Binds 127.0.0.1
on a free port, prints "port N" and serves until killed or 60 s pass.
usage: raw_server.py"""
import socket
import sys
import threading
import time

conns = 0
lock = threading.Lock()


def read_request(f):
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = f.readline()
        if not line:
            return None, None, b""
        head += line
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return head, length, None


def answer(body, status="200 OK", extra=b""):
    return (f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n".encode() + extra + b"\r\n" + body)


def serve(sock):
    f = sock.makefile("rb")
    served = 0
    try:
        while True:
            head, length, _ = read_request(f)
            if head is None:
                return
            path = head.split(b" ")[1].decode()
            if path == "/early":  # answer before reading the body, then drain it
                sock.sendall(answer(b"too big", "413 Payload Too Large", b"Connection: close\r\n"))
                sock.shutdown(socket.SHUT_WR)
                while f.read(65536):
                    pass
                return
            body = f.read(length) if length else b""
            served += 1
            if path == "/echo":
                sock.sendall(answer(head + b"body-bytes: %d" % len(body)))
            elif path == "/cl":
                sock.sendall(answer(b"hello"))
            elif path == "/close":
                sock.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end")
                return
            elif path == "/http10":
                sock.sendall(b"HTTP/1.0 200 OK\r\n\r\nold style")
                return
            elif path == "/continue":
                sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            elif path == "/chunked":
                sock.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n")
            elif path == "/sse-split":  # chunked SSE, sent a few bytes at a time
                raw = b"".join(b"%x\r\n%s\r\n" % (len(e), e) for e in
                               [b"data: {\"a\":1}\n\n", b"data: two\ndata: lines\n\n", b"data: [DONE]\n\n"]) + b"0\r\n\r\n"
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
                for i in range(0, len(raw), 7):
                    sock.sendall(raw[i:i + 7])
                    time.sleep(0.002)
            elif path == "/badchunk":
                sock.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
                return
            elif path == "/short":  # announces 10 bytes, sends 4, closes
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcd")
                return
            elif path == "/nocontent":
                sock.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
            elif path == "/garbage":
                sock.sendall(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")
                return
            elif path == "/second-dies":  # keep-alive promised; the 2nd request on it gets a close
                if served >= 2:
                    return
                sock.sendall(answer(b"first"))
            elif path == "/conns":
                sock.sendall(answer(str(conns).encode()))
            else:
                sock.sendall(answer(b"no route", "404 Not Found"))
    except OSError:
        return
    finally:
        sock.close()


def main():
    global conns
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    srv.settimeout(60)
    print("port", srv.getsockname()[1], flush=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            c, _ = srv.accept()
        except socket.timeout:
            break
        with lock:
            conns += 1
        threading.Thread(target=serve, args=(c,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
