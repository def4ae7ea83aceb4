"""A real SMTP server for the tests and the benchmark (aiosmtpd on 127.0.0.1, a free port),
which can refuse the first N messages with a temporary or permanent error."""

import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from pos_dashboard.settings import SmtpSettings


@dataclass
class Received:
    envelope_to: list[str]
    raw: bytes
    at: float  # time.time() when the server accepted it

    @property
    def message(self):
        return message_from_bytes(self.raw, policy=policy.default)


@dataclass
class Handler:
    fail_first: int = 0
    failure: str = "451 4.3.0 Temporary failure, try again later"
    received: list[Received] = field(default_factory=list)
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.attempts += 1
            if self.attempts <= self.fail_first:
                return self.failure
            self.received.append(Received(list(envelope.rcpt_tos), envelope.original_content or envelope.content,
                                          time.time()))
        return "250 2.0.0 Accepted"

    def message_ids(self) -> list[str]:
        return [r.message["Message-ID"] for r in self.received]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    def __init__(self, handler: Handler | None = None):
        self.handler = handler or Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def settings(self) -> SmtpSettings:
        return SmtpSettings(host="127.0.0.1", port=self.port, sender="noreply@pos.example.ru", timeout_s=10)
