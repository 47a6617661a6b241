"""Local stand-ins for the demo: an SMTP sink and an SMS/voice provider, both on 127.0.0.1.

The SMTP sink stores every message Odoo sends as an .eml file in the mail
folder and prints one line per message. The provider accepts the generic
JSON webhook format of arrears_management, responds with a message id and
prints each SMS or call it would have placed. Stop it with Ctrl+C.
"""

import argparse
import email
import email.policy
import itertools
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller

_logger = logging.getLogger("demo_services")


class MailFolderHandler:
    """aiosmtpd handler that writes each received message to ``folder``."""

    def __init__(self, folder):
        self.folder = folder
        self.counter = itertools.count(len(list(folder.glob("*.eml"))) + 1)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - name fixed by aiosmtpd
        number = next(self.counter)
        path = self.folder / f"{number:04d}.eml"
        path.write_bytes(envelope.content)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        _logger.info("mail %s to %s: %s", path.name, ", ".join(envelope.rcpt_tos), message["Subject"])
        return "250 Message accepted"


def provider_handler(log_path):
    counter = itertools.count(1)

    class ProviderHandler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - name fixed by http.server
            length = int(self.headers.get("Content-Length") or 0)
            try:
                payload = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._answer(400, {"error": "The body is not valid JSON."})
                return
            message_id = f"demo-{next(counter)}"
            line = f"{payload.get('channel', '?')} to {payload.get('to', '?')}: {payload.get('text', '')}"
            _logger.info("provider %s %s", message_id, line)
            with log_path.open("a", encoding="utf-8") as log:
                log.write(f"{message_id} {line}\n")
            self._answer(200, {"id": message_id})

        def _answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return ProviderHandler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mail-dir", type=Path, required=True, help="folder for the received .eml files")
    parser.add_argument("--smtp-port", type=int, default=2525, help="SMTP port on 127.0.0.1 (default 2525)")
    parser.add_argument(
        "--provider-port", type=int, default=8099, help="SMS/voice provider port on 127.0.0.1 (default 8099)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-connection chatter

    args.mail_dir.mkdir(parents=True, exist_ok=True)
    controller = Controller(MailFolderHandler(args.mail_dir), hostname="127.0.0.1", port=args.smtp_port)
    controller.start()
    provider = ThreadingHTTPServer(
        ("127.0.0.1", args.provider_port), provider_handler(args.mail_dir / "sms-and-calls.log")
    )
    threading.Thread(target=provider.serve_forever, daemon=True).start()
    _logger.info("SMTP sink on 127.0.0.1:%s, provider on 127.0.0.1:%s", args.smtp_port, args.provider_port)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        provider.shutdown()
        controller.stop()


if __name__ == "__main__":
    main()
