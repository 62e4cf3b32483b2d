"""Sends raw bytes over TLS to HOST:PORT and prints the response status line, then checks the server still answers."""
import socket
import ssl
import sys

host, port, payload = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode().decode("unicode_escape").encode("latin-1")
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE


def send(data):
    with socket.create_connection((host, port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as s:
            s.sendall(data)
            reply = b""
            while b"\r\n" not in reply:
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
            return reply.split(b"\r\n", 1)[0].decode()


print(send(payload))
print(send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
