"""Tell maintainers when a run needs them: a failed, timed-out, abandoned or degraded run, or a refused publish.

Always a log line (WARNING on `copdir.notify`); also, when configured from the environment, a JSON POST to a
webhook (COPDIR_NOTIFY_WEBHOOK) and/or an e-mail (COPDIR_SMTP_HOST, COPDIR_SMTP_PORT, COPDIR_SMTP_USER,
COPDIR_SMTP_PASSWORD, COPDIR_SMTP_FROM, COPDIR_SMTP_TO). Each channel has a short time-out so a dead endpoint
cannot hold up the scheduler, and a failed channel is logged by its kind only: webhook addresses often carry
a token, and no secret is ever logged.
"""
from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from email.message import EmailMessage

import httpx

log = logging.getLogger("copdir.notify")

SEND_TIMEOUT_S = 5.0
NOTIFY_OUTCOMES = frozenset({"failed", "timed-out", "abandoned", "degraded", "refused", "crashed"})


@dataclass(frozen=True)
class Notice:
    stage: str
    outcome: str
    started_at: str
    error: str
    run_id: int | None = None

    def line(self) -> str:
        return f"copdir {self.stage} run {self.run_id or '?'}: {self.outcome} (started {self.started_at})" + (
            f": {self.error}" if self.error else "")


class _Redact(logging.Filter):
    """httpx logs every request's URL at INFO; a webhook's URL is a secret, so its lines are dropped."""

    secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(secret in record.getMessage() for secret in self.secrets)


_REDACT = _Redact()
logging.getLogger("httpx").addFilter(_REDACT)


def needs_notice(outcome: str) -> bool:
    return outcome in NOTIFY_OUTCOMES


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    sender: str
    to: tuple[str, ...]
    user: str = ""
    password: str = ""


@dataclass(frozen=True)
class Notifier:
    webhook: str = ""
    smtp: Smtp | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Notifier:
        env = os.environ if env is None else env
        smtp = None
        if env.get("COPDIR_SMTP_HOST"):
            to = tuple(address.strip() for address in env.get("COPDIR_SMTP_TO", "").split(",") if address.strip())
            if not to:
                log.warning("COPDIR_SMTP_HOST is set but COPDIR_SMTP_TO is not: no e-mail will be sent")
            else:
                smtp = Smtp(env["COPDIR_SMTP_HOST"], int(env.get("COPDIR_SMTP_PORT") or 25),
                            env.get("COPDIR_SMTP_FROM") or "copdir@localhost", to,
                            env.get("COPDIR_SMTP_USER", ""), env.get("COPDIR_SMTP_PASSWORD", ""))
        return cls(env.get("COPDIR_NOTIFY_WEBHOOK", ""), smtp)

    def notify(self, notice: Notice) -> None:
        log.warning("%s", notice.line())
        if self.webhook:
            self._post(notice)
        if self.smtp:
            self._mail(notice)

    def _post(self, notice: Notice) -> None:
        _REDACT.secrets.add(self.webhook)
        try:
            response = httpx.post(self.webhook, json={"text": notice.line(), **asdict(notice)},
                                  timeout=SEND_TIMEOUT_S, follow_redirects=False,
                                  headers={"User-Agent": "copdir-notify (+https://github.com/copdir/copdir)"})
            response.raise_for_status()
        except httpx.HTTPError as exc:
            log.error("notification webhook failed: %s", type(exc).__name__)

    def _mail(self, notice: Notice) -> None:
        smtp = self.smtp
        message = EmailMessage()
        message["Subject"] = f"[copdir] {notice.stage}: {notice.outcome}"
        message["From"] = smtp.sender
        message["To"] = ", ".join(smtp.to)
        message.set_content(notice.line() + "\n\n`copdir runs` shows the recent history.\n")
        try:
            with smtplib.SMTP(smtp.host, smtp.port, timeout=SEND_TIMEOUT_S) as client:
                client.ehlo()
                if client.has_extn("starttls"):  # never send a password in the clear when TLS is on offer
                    client.starttls(context=ssl.create_default_context())
                    client.ehlo()
                if smtp.user:
                    client.login(smtp.user, smtp.password)
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            log.error("notification e-mail failed: %s", type(exc).__name__)
