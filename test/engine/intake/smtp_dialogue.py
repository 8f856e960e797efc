"""One SMTP conversation with Python's smtplib, for the intake conformance tests.

Usage: python3 smtp_dialogue.py HOST PORT < steps.json
steps: a JSON list of
  ["ehlo", name] | ["mail", address, [params...]] | ["rcpt", address, [params...]]
  | ["data", message_text] | ["rset"] | ["quit"] | ["utf8"]   (send commands as UTF-8
  from now on even without SMTPUTF8: a client that breaks RFC 6531, to see the refusal)
Prints a JSON list of [code, text] replies (the EHLO reply last line's keywords as text),
one per step; a step smtplib refuses itself prints [0, reason].
"""
import json
import smtplib
import sys


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    steps = json.load(sys.stdin)
    out = []
    s = smtplib.SMTP(host, port, timeout=20)
    for step in steps:
        op = step[0]
        try:
            if op == "ehlo":
                code, msg = s.ehlo(step[1])
            elif op == "mail":
                params = step[2] if len(step) > 2 else []
                if any(p.upper() == "SMTPUTF8" for p in params):
                    # smtplib switches to UTF-8 commands for SMTPUTF8 (RFC 6531)
                    s.command_encoding = "utf-8"
                code, msg = s.mail(step[1], params)
            elif op == "rcpt":
                code, msg = s.rcpt(step[1], step[2] if len(step) > 2 else [])
            elif op == "data":
                code, msg = s.data(step[1].encode("utf-8"))
            elif op == "rset":
                code, msg = s.rset()
            elif op == "utf8":
                s.command_encoding = "utf-8"
                code, msg = 0, b"commands in UTF-8 from now on"
            elif op == "quit":
                code, msg = s.quit()
            else:
                raise ValueError("unknown step " + op)
            out.append([code, msg.decode("utf-8", "replace")])
        except smtplib.SMTPException as e:
            out.append([0, str(e)])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
