"""Small helpers shared by the Python integration suites (clients, federation, overlay):
a failure type with a check, a free loopback port, a bounded wait, and reading a node's log."""

import re
import socket
import time


class Failed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failed(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, interval=0.1):
    """Polls `predicate` until it returns something true or `timeout` seconds pass; returns its
    last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def read_log(path):
    """A log file's text so far ('' when it does not exist yet)."""
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def key_named_server_name(log_path, label):
    """The 64-hex server name a `plexus node --p2p` logged at start."""
    m = re.search(r"server_name=([0-9a-f]{64})", read_log(log_path))
    check(m, f"{label}: no key-named server name in the log")
    return m.group(1)
