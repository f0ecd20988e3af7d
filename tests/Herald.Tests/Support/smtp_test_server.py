#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) for Herald's sender tests.

Usage: smtp_test_server.py --port P --out DIR [--reject ADDR ...] [--auth USER:PASSWORD]
                           [--tls-cert CERT --tls-key KEY]

Each accepted mail becomes DIR/<n>.json: the envelope (mail_from, rcpt_tos), the HELO name, the AUTH login, the raw
data and what Python's own email parser reads from it (from, to, subject, body decoded, content type, transfer encoding).
A multipart mail's body is its text/plain part; each attachment's decoded bytes are saved as DIR/<n>-<i>.bin and listed
under "attachments" (filename, content_type, path, size).
A recipient named by --reject is refused with 550 5.1.1. Prints READY once the server accepts connections.
"""
import argparse
import itertools
import json
import os
import signal
import ssl
import sys
import threading
from email import policy
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class RecordingHandler:
    def __init__(self, out_dir, reject):
        self.out_dir = out_dir
        self.reject = {r.lower() for r in reject}
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or b""
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        with self.lock:
            n = next(self.counter)
        login = getattr(session.auth_data, "login", None)
        if isinstance(login, bytes):
            login = login.decode("utf-8", "replace")
        body_part = msg.get_body(preferencelist=("plain",)) if msg.is_multipart() else msg
        attachments = []
        for i, part in enumerate(msg.iter_attachments() if msg.is_multipart() else []):
            data = part.get_payload(decode=True) or b""
            saved = os.path.join(self.out_dir, f"{n:05d}-{i}.bin")
            with open(saved, "wb") as f:
                f.write(data)
            attachments.append({"filename": part.get_filename(), "content_type": part.get_content_type(),
                                "transfer_encoding": str(part["content-transfer-encoding"]), "path": saved, "size": len(data)})
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "helo": session.host_name,
            "login": login,
            "from": str(msg["from"]),
            "to": str(msg["to"]),
            "subject": str(msg["subject"]),
            "message_id": str(msg["message-id"]),
            "date": str(msg["date"]),
            "content_type": msg.get_content_type(),
            "charset": msg.get_content_charset(),
            "transfer_encoding": str(msg["content-transfer-encoding"]),
            "body": body_part.get_content() if body_part is not None else "",
            "attachments": attachments,
            "raw": raw.decode("utf-8", "replace"),
        }
        path = os.path.join(self.out_dir, f"{n:05d}.json")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(path + ".tmp", path)
        return f"250 2.0.0 Ok: queued as {n}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--reject", action="append", default=[])
    parser.add_argument("--auth")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    kwargs = {}
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword)
                  and auth_data.login == user.encode() and auth_data.password == password.encode())
            # handled=False: smtp_AUTH itself answers 235, or 535 5.7.8 on a failure.
            return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

        kwargs["authenticator"] = authenticator
        kwargs["auth_require_tls"] = bool(args.tls_cert)
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        kwargs["tls_context"] = context
        kwargs["require_starttls"] = True

    controller = Controller(RecordingHandler(args.out, args.reject), hostname=args.host, port=args.port, **kwargs)
    controller.start()
    print("READY", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        # Also stop when the test process goes away (stdin closes).
        threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
        stop.wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
