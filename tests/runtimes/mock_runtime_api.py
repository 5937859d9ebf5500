"""
A small Lambda Runtime API (2018-06-01) on a loopback port, for testing the runtime clients alone.

It is a real HTTP/1.1 server (keep-alive, Content-Length) that serves the endpoints, headers,
status codes and error bodies of ../../../shared reference "lambda.md" section 1, as AWS and the
Runtime Interface Emulator do:

    GET  /2018-06-01/runtime/invocation/next           blocks until an event is queued
    POST /2018-06-01/runtime/invocation/{id}/response  202 {"status":"OK"}
    POST /2018-06-01/runtime/invocation/{id}/error     202 {"status":"OK"}
    POST /2018-06-01/runtime/init/error                202 {"status":"OK"}

400 InvalidRequestID for an id it never handed out, 403 InvalidStateTransition for a second
result, 413 RequestEntityTooLarge above 6 MiB + 100 bytes. Tests queue events with invoke() and
read what the client posted with result().
"""

import json
import queue
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"
MAX_PAYLOAD = 6 * 1024 * 1024 + 100
FUNCTION_ARN = "arn:aws:lambda:us-east-1:012345678912:function:%s"


class Result:
    def __init__(self, kind, body, headers):
        self.kind = kind  # "response" or "error"
        self.body = body
        self.headers = headers
        self.at = time.time()

    def json(self):
        return json.loads(self.body)


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a killed environment resets its connection; that is not news


class MockRuntimeApi:
    def __init__(self, function_name="test_function"):
        self.function_name = function_name
        self.events = queue.Queue()
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.pending = {}  # request id -> None until a result arrives
        self.results = {}
        self.init_errors = []
        self.next_calls = 0
        self.connections = 0
        self.statuses = []  # (method, path, status) for every request served
        self.sent = {}  # request id -> (headers sent with the event, time /next handed it out)
        self.server = QuietServer(("127.0.0.1", 0), self._handler_class())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def address(self):
        host, port = self.server.server_address[:2]
        return "%s:%d" % (host, port)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def invoke(self, event, timeout_ms=3000, headers=None, raw=None, request_id=None):
        """Queue one invocation; returns its request id."""
        request_id = request_id or str(uuid.uuid4())
        body = raw if raw is not None else json.dumps(event).encode()
        h = {
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + timeout_ms),
            "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN % self.function_name,
            "Lambda-Runtime-Trace-Id": "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;"
            "Parent=9a9197af755a6419;Sampled=1",
            "Content-Type": "application/json",
        }
        h.update(headers or {})
        with self.lock:
            self.pending[request_id] = None
        self.events.put((request_id, {k: v for k, v in h.items() if v}, body))
        return request_id

    def result(self, request_id, timeout=60):
        """What the client posted for request_id, or None after timeout seconds."""
        end = time.time() + timeout
        with self.cond:
            while request_id not in self.results:
                left = end - time.time()
                if left <= 0:
                    return None
                self.cond.wait(left)
            return self.results[request_id]

    def remaining_bounds(self, request_id, result):
        """
        The remaining time a handler can have seen, in ms: at most the deadline less the moment
        the event was handed out, at least the deadline less the moment the result arrived.
        """
        headers, handed_out = self.sent[request_id]
        deadline = int(headers["Lambda-Runtime-Deadline-Ms"])
        return max(deadline - int(result.at * 1000) - 2, 0), deadline - int(handed_out * 1000) + 2

    def wait_init_error(self, timeout=60):
        end = time.time() + timeout
        with self.cond:
            while not self.init_errors:
                left = end - time.time()
                if left <= 0:
                    return None
                self.cond.wait(left)
            return self.init_errors[0]

    def _handler_class(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                with api.lock:
                    api.connections += 1

            def log_message(self, fmt, *args):
                pass

            def _send(self, status, obj=None, headers=None, body=None):
                data = body if body is not None else json.dumps(obj).encode()
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                if body is None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                with api.lock:
                    api.statuses.append((self.command, self.path, status))

            def _error(self, status, error_type, message):
                self._send(status, {"errorMessage": message, "errorType": error_type})

            def do_GET(self):
                if self.path != PREFIX + "/invocation/next":
                    return self._error(404, "NotFound", "Not Found")
                with api.lock:
                    api.next_calls += 1
                request_id, headers, body = api.events.get()
                with api.lock:
                    api.sent[request_id] = (headers, time.time())
                self._send(200, headers=headers, body=body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                if length > MAX_PAYLOAD:
                    # Answer without reading the body, as a server protecting itself does.
                    self.close_connection = True
                    return self._error(
                        413, "RequestEntityTooLarge",
                        "Exceeded maximum allowed payload size (%d bytes)." % MAX_PAYLOAD)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                if self.path == PREFIX + "/init/error":
                    with api.cond:
                        api.init_errors.append(Result("init-error", body, headers))
                        api.cond.notify_all()
                    return self._send(202, {"status": "OK"})
                parts = self.path[len(PREFIX):].split("/")
                # ["", "invocation", id, "response"|"error"]
                if (not self.path.startswith(PREFIX) or len(parts) != 4
                        or parts[1] != "invocation" or parts[3] not in ("response", "error")):
                    return self._error(404, "NotFound", "Not Found")
                request_id, kind = parts[2], parts[3]
                with api.cond:
                    if request_id not in api.pending:
                        state = "unknown"
                    elif request_id in api.results:
                        state = "done"
                    else:
                        state = "ok"
                        api.results[request_id] = Result(kind, body, headers)
                        api.cond.notify_all()
                if state == "unknown":
                    return self._error(400, "InvalidRequestID", "Invalid request ID")
                if state == "done":
                    return self._error(
                        403, "InvalidStateTransition",
                        "State transition from Ready to InvocationResponse failed for runtime. "
                        "Error: State transition is not allowed")
                self._send(202, {"status": "OK"})

        return Handler
