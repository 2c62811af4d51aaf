"""The proxy of bench/scale_out.py: round robin, a node that refuses connections skipped (nothing was sent to it), a
node that dies on a request answered as 502 and never retried, every answer naming its node."""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator

import pytest
from scale_fleet import Proxy, whole

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def node(reply: Callable[[socket.socket], None], seen: list[bytes]) -> int:
    """A node answering every connection with ``reply``, after reading the request into ``seen``."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            connection, _ = server.accept()
            with connection:
                seen.append(connection.recv(65536))
                reply(connection)

    threading.Thread(target=serve, daemon=True).start()
    return server.getsockname()[1]


@pytest.fixture
def proxy_for() -> Iterator[Callable[[dict[str, int]], str]]:
    started: list[Proxy] = []

    def start(nodes: dict[str, int]) -> str:
        proxy = Proxy(free_port(), nodes)
        proxy.serve_in_background()
        started.append(proxy)
        return f"http://127.0.0.1:{proxy.server_address[1]}"

    yield start
    for proxy in started:
        proxy.shutdown()
        proxy.server_close()


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers["X-Served-By"]
    except urllib.error.HTTPError as error:
        return error.code, error.headers["X-Served-By"]


def test_requests_go_round_the_nodes_each_answer_naming_its_node(proxy_for):
    seen: list[bytes] = []
    url = proxy_for({"a": node(lambda c: c.sendall(ANSWER), seen), "b": node(lambda c: c.sendall(ANSWER), seen)})

    served = [get(url) for _ in range(4)]

    assert sorted(served) == [(200, "a"), (200, "a"), (200, "b"), (200, "b")]
    assert all(b"Connection: close" in request for request in seen)


def test_a_node_refusing_connections_is_skipped(proxy_for):
    url = proxy_for({"dead": free_port(), "alive": node(lambda c: c.sendall(ANSWER), [])})

    assert [get(url) for _ in range(3)] == [(200, "alive")] * 3


def test_a_node_dying_on_a_request_is_a_502_naming_it_and_not_retried(proxy_for):
    seen: list[bytes] = []
    url = proxy_for({"dies": node(lambda c: c.sendall(ANSWER[:40]), seen)})

    assert get(url) == (502, "dies")
    assert len(seen) == 1


def test_an_answer_is_whole_by_its_length_or_its_last_chunk():
    assert whole(ANSWER)
    assert not whole(ANSWER[:-1])
    assert whole(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
    assert not whole(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n")
    assert not whole(b"HTTP/1.1 200 OK\r\nContent-Le")
