"""A misbehaving HTTP/1.1 proxy on 127.0.0.1, between the booth's client and the HQ server.

    proxy = FaultProxy(upstream_url, seed=7, rates={"drop_request": 0.1, ...})
    url = proxy.start()          # http://127.0.0.1:PORT, for the client
    proxy.upstream = other_url   # follow a restarted server
    proxy.stop()

It reads whole HTTP messages (Content-Length or chunked bodies) so it can fault one request,
not just one connection, and picks a fault per request from a seeded generator:

- ``drop_request``: forward only part of the request upstream, then cut both connections
  (HQ sees a truncated request; the client sees a dropped connection);
- ``drop_response``: forward the request, read HQ's whole answer (HQ acted on it), send
  the client part of it, then cut: the client never learns HQ stored its batch;
- ``delay``: wait up to ``max_delay`` before forwarding;
- ``duplicate``: send the request upstream twice, concurrently on two connections, and
  relay one of the answers (tests that HQ decides one after the other).

``counts`` tells how often each fault fired. Every socket has a timeout; threads are daemons.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

FAULTS = ("drop_request", "drop_response", "delay", "duplicate")
TIMEOUT = 30.0
MAX_HEAD = 64 * 1024


class Closed(Exception):
    """The peer closed the connection before a whole message."""


class FaultProxy:
    def __init__(
        self, upstream: str, *, seed: int = 0, rates: dict[str, float] | None = None, max_delay: float = 0.2
    ) -> None:
        self.upstream = upstream
        self.rates = {name: 0.0 for name in FAULTS} | (rates or {})
        self.max_delay = max_delay
        self.rng = random.Random(seed)
        self.counts: Counter[str] = Counter()
        self.requests = 0
        self.request_bytes = 0
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._stopped = threading.Event()
        self._open: set[socket.socket] = set()

    # -- life
    def start(self) -> str:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.2)
        threading.Thread(target=self._accept, name="faultproxy", daemon=True).start()
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def stop(self) -> None:
        self._stopped.set()
        if self._sock is not None:
            self._sock.close()
        with self._lock:
            for s in list(self._open):
                _close(s)

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    # -- one client connection: requests relayed one by one, each maybe faulted
    def _pick(self) -> tuple[str | None, float, float]:
        with self._lock:
            self.requests += 1
            roll = self.rng.random()
            fault, edge = None, 0.0
            for name in FAULTS:
                edge += self.rates[name]
                if roll < edge:
                    fault = name
                    break
            if fault:
                self.counts[fault] += 1
            return fault, self.rng.random(), self.rng.uniform(0, self.max_delay)

    def _connect(self) -> socket.socket:
        parts = urlsplit(self.upstream)
        s = socket.create_connection((parts.hostname, parts.port), timeout=TIMEOUT)
        self._track(s)
        return s

    def _track(self, s: socket.socket) -> None:
        with self._lock:
            self._open.add(s)

    def _serve(self, client: socket.socket) -> None:
        client.settimeout(TIMEOUT)
        self._track(client)
        upstream = None
        try:
            from_client = client.makefile("rb")
            up_reader = None
            while not self._stopped.is_set():
                request = read_message(from_client)
                if request is None:
                    return
                with self._lock:
                    self.request_bytes += len(request)
                fault, cut, delay = self._pick()
                if fault == "delay":
                    time.sleep(delay)
                if upstream is None:
                    try:
                        upstream = self._connect()
                    except OSError:
                        return  # HQ is down: the client sees its connection dropped
                    up_reader = upstream.makefile("rb")
                if fault == "drop_request":
                    upstream.sendall(request[: int(len(request) * cut)])
                    return
                twin = None
                if fault == "duplicate":
                    twin = threading.Thread(target=self._send_and_forget, args=(request,), daemon=True)
                    twin.start()
                upstream.sendall(request)
                response = read_message(up_reader, response=True, head_request=request.startswith(b"HEAD "))
                if twin is not None:
                    twin.join(TIMEOUT)
                if response is None:
                    return
                if fault == "drop_response":
                    client.sendall(response[: int(len(response) * cut)])
                    return
                client.sendall(response)
        except (OSError, Closed, ValueError):
            return
        finally:
            for s in (client, upstream):
                if s is not None:
                    _close(s)
                    with self._lock:
                        self._open.discard(s)

    def _send_and_forget(self, request: bytes) -> None:
        try:
            s = self._connect()
        except OSError:
            return
        try:
            s.sendall(request)
            read_message(s.makefile("rb"), response=True)
        except (OSError, Closed, ValueError):
            pass
        finally:
            _close(s)
            with self._lock:
                self._open.discard(s)


def read_message(stream, *, response: bool = False, head_request: bool = False) -> bytes | None:
    """One whole HTTP/1.1 message as raw bytes; None on a clean EOF before it starts."""
    head = bytearray()
    while True:
        line = stream.readline(MAX_HEAD)
        if not line:
            if head:
                raise Closed("connection closed mid-head")
            return None
        head += line
        if line in (b"\r\n", b"\n") and len(head) > len(line):
            break
        if line in (b"\r\n", b"\n"):  # stray blank line between messages
            head.clear()
        if len(head) > MAX_HEAD:
            raise ValueError("head too large")
    lines = bytes(head).split(b"\r\n")
    headers = {}
    for raw in lines[1:]:
        if b":" in raw:
            name, value = raw.split(b":", 1)
            headers[name.strip().lower()] = value.strip()
    status = int(lines[0].split()[1]) if response else 0
    if response and (head_request or status in (204, 304) or 100 <= status < 200):
        return bytes(head)
    body = bytearray()
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while True:
            size_line = stream.readline(MAX_HEAD)
            if not size_line:
                raise Closed("connection closed mid-chunk")
            body += size_line
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                while True:  # trailers, up to the blank line
                    line = stream.readline(MAX_HEAD)
                    if not line:
                        raise Closed("connection closed in the trailers")
                    body += line
                    if line in (b"\r\n", b"\n"):
                        break
                break
            body += _read_exactly(stream, size + 2)
    elif b"content-length" in headers:
        body += _read_exactly(stream, int(headers[b"content-length"]))
    elif response:
        body += stream.read()  # delimited by the connection closing
    return bytes(head + body)


def _read_exactly(stream, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise Closed("connection closed mid-body")
    return data


def _close(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    s.close()
