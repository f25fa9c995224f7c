"""tests/ports.py: a port a test's server got is given to nobody else while the test runs."""

from __future__ import annotations

import socket

from tests.ports import free_port, release_ports, reserved_port


def bound_elsewhere(port: int) -> bool:
    """Whether another bind (another test's probe or server, without SO_REUSEADDR) gets it."""
    with socket.socket() as other:
        try:
            other.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def serves(port: int) -> bool:
    """Whether the test's own server (with SO_REUSEADDR, as uvicorn sets it) listens on it."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen()
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    return True


def test_a_free_port_is_held_for_the_test_and_still_served() -> None:
    port = free_port()
    assert not bound_elsewhere(port)  # probed and let go, the other xdist worker could get it
    assert serves(port)
    assert serves(port)  # a server restarted on it
    assert not bound_elsewhere(port)  # nobody takes it while the server is down
    release_ports()  # what tests/conftest.py does once the test ended
    assert bound_elsewhere(port)


def test_a_reserved_port_is_held_while_its_server_lasts() -> None:
    with reserved_port() as port:
        assert not bound_elsewhere(port)
        assert serves(port)
    assert bound_elsewhere(port)
