"""Maintainers hear of a failed run: a log line always, a webhook POST and an e-mail when configured, each on a
loopback server; a dead endpoint costs a short time-out, never a crash, and no secret reaches the log."""
from __future__ import annotations

import json
import logging
import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from crawler.notify import Notice, Notifier

NOTICE = Notice("build", "refused", "2026-11-20T10:00:00+00:00", "the live count fell by 40 %", 17)


class _Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers["Content-Type"], json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/s3cr3t-token", _Hook.received
    server.shutdown()
    server.server_close()


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP to take one message: EHLO, MAIL, RCPT, DATA, QUIT."""

    messages: list = []

    def handle(self):
        def say(line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")

        say("220 loopback test SMTP")
        envelope: dict = {"to": []}
        while line := self.rfile.readline().decode().rstrip("\r\n"):
            verb = line.split(" ")[0].upper()
            if verb == "EHLO":
                say("250 loopback")
            elif verb == "MAIL":
                envelope["from"] = line
                say("250 ok")
            elif verb == "RCPT":
                envelope["to"].append(line)
                say("250 ok")
            elif verb == "DATA":
                say("354 go on")
                data = []
                while (part := self.rfile.readline().decode()) not in (".\r\n", ""):
                    data.append(part)
                self.messages.append({**envelope, "data": "".join(data)})
                say("250 queued")
            elif verb == "QUIT":
                say("221 bye")
                return
            else:
                say("502 not here")


@pytest.fixture
def smtp_server():
    _Smtp.messages = []
    server = socketserver.TCPServer(("127.0.0.1", 0), _Smtp)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], _Smtp.messages
    server.shutdown()
    server.server_close()


def test_a_notice_is_always_a_log_line(caplog):
    with caplog.at_level(logging.WARNING, logger="copdir.notify"):
        Notifier.from_env({}).notify(NOTICE)
    assert "copdir build run 17: refused" in caplog.text and "fell by 40 %" in caplog.text


def test_the_webhook_gets_the_notice_as_json_and_its_address_stays_out_of_the_log(webhook, caplog):
    url, received = webhook
    with caplog.at_level(logging.DEBUG):
        Notifier.from_env({"COPDIR_NOTIFY_WEBHOOK": url}).notify(NOTICE)
    assert "s3cr3t" not in caplog.text
    ((path, content_type, body),) = received
    assert path == "/hooks/s3cr3t-token" and content_type == "application/json"
    assert body["stage"] == "build" and body["outcome"] == "refused" and body["run_id"] == 17
    assert body["text"].startswith("copdir build run 17: refused")


def test_the_e_mail_reaches_every_maintainer(smtp_server):
    port, messages = smtp_server
    Notifier.from_env({"COPDIR_SMTP_HOST": "127.0.0.1", "COPDIR_SMTP_PORT": str(port),
                       "COPDIR_SMTP_FROM": "copdir@example.org",
                       "COPDIR_SMTP_TO": "ops@example.org, ann@example.org"}).notify(NOTICE)
    (message,) = messages
    assert len(message["to"]) == 2 and "copdir@example.org" in message["from"]
    assert "Subject: [copdir] build: refused" in message["data"] and "fell by 40 %" in message["data"]


def test_a_dead_endpoint_is_logged_by_kind_without_its_secret_address(caplog):
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    notifier = Notifier.from_env({"COPDIR_NOTIFY_WEBHOOK": f"http://127.0.0.1:{port}/hooks/s3cr3t-token",
                                  "COPDIR_SMTP_HOST": "127.0.0.1", "COPDIR_SMTP_PORT": str(port),
                                  "COPDIR_SMTP_USER": "ops", "COPDIR_SMTP_PASSWORD": "hunter2",
                                  "COPDIR_SMTP_TO": "ops@example.org"})
    with caplog.at_level(logging.INFO):
        notifier.notify(NOTICE)  # does not raise
    assert "notification webhook failed: ConnectError" in caplog.text
    assert "notification e-mail failed: ConnectionRefusedError" in caplog.text
    assert "s3cr3t" not in caplog.text and "hunter2" not in caplog.text
