"""What an X-Ray SDK does underneath: read the invocation's trace header, send documents to the
X-Ray daemon Lambda runs beside the function (UDP, AWS_XRAY_DAEMON_ADDRESS)."""
import json
import os
import secrets
import socket

_HEADER = '{"format": "json", "version": 1}\n'


def current_trace():
    """(trace id, id of the function's segment, sampled) of the invocation being handled."""
    fields = {}
    for part in os.environ.get("_X_AMZN_TRACE_ID", "").split(";"):
        key, _, value = part.partition("=")
        fields[key.strip()] = value.strip()
    return fields.get("Root"), fields.get("Parent"), fields.get("Sampled") == "1"


def new_id():
    """A segment or subsegment id: 16 hex digits."""
    return secrets.token_hex(8)


def send(document):
    """Send one segment or subsegment document (a dict) to the daemon."""
    address = os.environ.get("AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1:2000")
    host, _, port = address.rpartition(":")
    datagram = (_HEADER + json.dumps(document)).encode()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(datagram, (host, int(port)))
