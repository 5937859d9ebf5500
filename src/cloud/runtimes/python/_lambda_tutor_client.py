"""
lambda-tutor's runtime client for Python handlers.

The cloud starts one of these per execution environment, through the bootstrap.py stub:

    /usr/bin/python3 -uS bootstrap.py       (cwd = the function's code, _HANDLER = "module.function")

It loads the handler once, then loops over the Lambda Runtime API at $AWS_LAMBDA_RUNTIME_API:
GET /invocation/next, call the handler, POST /invocation/{id}/response or /invocation/{id}/error.
Faults while loading the handler go to /init/error and end the process with status 1, as on AWS.
The wire formats, error types and messages are Lambda's (see README.md beside this file).

Start-up cost matters (a cold start is budgeted at ~20 ms over the bare interpreter), so this file
imports only what every environment needs. http.client alone costs more than that budget, so the
Runtime API is spoken over one keep-alive socket (_socket: socket.py alone costs a millisecond)
by a few lines of HTTP/1.1 below. `logging` and botocore are configured when, and only if, the
handler imports them (see PostImportHooks).
"""

import _json  # json's C half; json.py itself imports re, enum and more (see json_loads)
import _socket  # socket.py's extra imports cost a millisecond of every cold start
import os
import sys
import time

RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))
API_PREFIX = "/2018-06-01/runtime"
LOG_LINE_BREAK = "\r"  # one log record is one line on stdout; the cloud keeps it one event

# The request being served, for the logging record factory and error payloads.
current_request_id = ""


class Fault(Exception):
    """An error the runtime client itself reports, with Lambda's errorType."""

    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []


# --- The Runtime API over one persistent connection ---------------------------------------------


class RuntimeApiError(Exception):
    pass


class RuntimeClient:
    def __init__(self, address):
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise RuntimeApiError("AWS_LAMBDA_RUNTIME_API is not host:port: %r" % address)
        self.address = address
        self.host = host.strip("[]")
        self.port = int(port)
        self.sock = None
        self.buf = b""

    def _connect(self):
        # An ASCII host goes as bytes: a str host costs the idna codec, which imports re.
        try:
            host = self.host.encode("ascii")
        except UnicodeEncodeError:
            host = self.host
        family, kind, proto, _, addr = _socket.getaddrinfo(
            host, self.port, 0, _socket.SOCK_STREAM)[0]
        sock = _socket.socket(family, kind, proto)
        try:
            sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
            sock.connect(addr)
        except OSError:
            sock.close()
            raise
        self.sock = sock
        self.buf = b""

    def _close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None
        self.buf = b""

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionResetError("the Runtime API closed the connection")
        self.buf += data

    def _read(self, n):
        """Exactly n bytes, gathered in chunks: events can be megabytes."""
        if len(self.buf) < n:
            chunks = [self.buf]
            have = len(self.buf)
            while have < n:
                data = self.sock.recv(max(65536, n - have))
                if not data:
                    raise ConnectionResetError("the Runtime API closed the connection mid-body")
                chunks.append(data)
                have += len(data)
            self.buf = b"".join(chunks)
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def _readline(self):
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line, self.buf = self.buf[:i + 1], self.buf[i + 1:]
                return line
            if len(self.buf) > 65536:
                raise RuntimeApiError("a line longer than 64 KiB from the Runtime API")
            self._fill()

    def _read_response(self):
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            if len(self.buf) > 1 << 20:
                raise RuntimeApiError("response headers longer than 1 MiB from the Runtime API")
            self._fill()
        lines = self.buf[:end].decode("latin-1").split("\r\n")
        self.buf = self.buf[end + 4:]
        parts = lines[0].split(None, 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise RuntimeApiError("bad status line from the Runtime API: %r" % lines[0])
        status = int(parts[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._read_chunked()
        else:
            body = self._read(int(headers.get("content-length", "0") or 0))
        keep = headers.get("connection", "").lower() != "close" and parts[0] != "HTTP/1.0"
        return status, headers, body, keep

    def _read_chunked(self):
        chunks = []
        while True:
            size = int(self._readline().split(b";", 1)[0].strip(), 16)
            if size == 0:
                while self._readline() not in (b"\r\n", b"\n"):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self._read(size))
            self._readline()

    def request(self, method, path, body=b"", headers=None):
        """One request and its response: (status, lowercase headers, body bytes)."""
        head = "%s %s%s HTTP/1.1\r\nHost: %s\r\n" % (method, API_PREFIX, path, self.address)
        for name, value in (headers or {}).items():
            head += "%s: %s\r\n" % (name, value)
        if method == "POST":
            head += "Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        data = head.encode("latin-1") + b"\r\n" + body
        for attempt in (0, 1):
            fresh = self.sock is None
            if fresh:
                self._connect()
            try:
                self.sock.sendall(data)
            except OSError:
                # The server may answer early (413) and stop reading a large body:
                # its answer is still worth reading, so fall through to it.
                pass
            try:
                status, resp_headers, resp_body, keep = self._read_response()
            except (ConnectionError, OSError):
                self._close()
                if fresh or attempt:
                    raise
                continue  # a kept-alive connection the server had closed: once more, fresh
            if not keep:
                self._close()
            return status, resp_headers, resp_body
        raise RuntimeApiError("unreachable")

    def next_invocation(self):
        while True:
            status, headers, body = self.request("GET", "/invocation/next")
            if status == 200:
                return headers, body
            if status >= 500 or status in (403, 410):
                raise RuntimeApiError("GET /invocation/next answered %d: %r" % (status, body[:200]))
            time.sleep(0.01)

    def post_response(self, request_id, body):
        return self.request("POST", "/invocation/%s/response" % request_id, body)

    def post_error(self, request_id, payload):
        return self.request(
            "POST",
            "/invocation/%s/error" % request_id,
            to_json_bytes(payload),
            {"Lambda-Runtime-Function-Error-Type": header_safe(payload["errorType"])},
        )

    def post_init_error(self, payload):
        return self.request(
            "POST",
            "/init/error",
            to_json_bytes(payload),
            {"Lambda-Runtime-Function-Error-Type": header_safe(payload["errorType"])},
        )


def header_safe(value):
    return "".join(c for c in str(value) if " " <= c <= "~")[:256] or "Unhandled"


def to_json_bytes(obj):
    return json_dumps(obj).encode("utf-8")


# --- JSON through json's C accelerator ------------------------------------------------------------
#
# `import json` costs a cold start more than the rest of the client: json.decoder and json.encoder
# import re (which imports enum, functools, collections) for pure-Python fallbacks the C half
# never uses. These two do what json.loads and json.dumps do through the same C scanner and
# encoder, with json's defaults; anything unusual (a BOM or UTF-16, surrounding whitespace, an
# error of any kind) goes to json itself, so results and error messages are json's own.


class _DecoderSettings:
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"),
                      "NaN": float("nan")}.__getitem__
    memo = None


_scan = _json.make_scanner(_DecoderSettings())
_JSON_STARTS = frozenset(b'{["-0123456789tfnNI')


def json_loads(data):
    try:
        if isinstance(data, bytes) and data and data[0] in _JSON_STARTS and (
                len(data) < 2 or data[1]):
            text = data.decode("utf-8", "surrogatepass")
        elif isinstance(data, str) and data and ord(data[0]) in _JSON_STARTS:
            text = data
        else:
            text = None
        if text is not None:
            value, end = _scan(text, 0)
            if end == len(text):
                return value
    except Exception:
        pass
    import json
    return json.loads(data)


def _not_serializable(o):
    raise TypeError("Object of type %s is not JSON serializable" % o.__class__.__name__)


def json_dumps(obj, default=None, ensure_ascii=True):
    if isinstance(obj, str):
        return (_json.encode_basestring_ascii if ensure_ascii else _json.encode_basestring)(obj)
    try:
        return "".join(_json.make_encoder(
            {}, default or _not_serializable,
            _json.encode_basestring_ascii if ensure_ascii else _json.encode_basestring,
            None, ": ", ", ", False, False, True)(obj, 0))
    except Exception:
        pass
    import json
    return json.dumps(obj, default=default, ensure_ascii=ensure_ascii)


# --- Errors in Lambda's Python shape ------------------------------------------------------------


def make_error(message, error_type, trace, request_id):
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id or "",
        "stackTrace": trace or [],
    }


def user_frames(tb):
    """The traceback's frames from the first one in the user's code on, formatted as AWS does."""
    import traceback

    frames = traceback.extract_tb(tb)
    ours = (RUNTIME_DIR + os.sep, CODE_DIR + os.sep, "<frozen importlib")
    while frames and frames[0].filename.startswith(ours):
        frames = frames[1:]
    return traceback.format_list(frames)


# The folder this module's code says it comes from. A pre-initialised interpreter imports it from
# the host's runtime folder and then points RUNTIME_DIR at the sandbox's, but the code objects keep
# the host's path: without it our own frames would show in a forked environment's traces.
CODE_DIR = os.path.dirname(user_frames.__code__.co_filename) or RUNTIME_DIR


def error_from_exception(exc, request_id):
    return make_error(str(exc), type(exc).__name__, user_frames(exc.__traceback__), request_id)


def log_error(payload):
    """The `[ERROR] Type: message` record with the traceback, as one line (or JSON object)."""
    if JSON_LOGS:
        write_log(json_dumps({
            "timestamp": iso_ms(time.time()),
            "log_level": "ERROR",
            "errorMessage": payload["errorMessage"],
            "errorType": payload["errorType"],
            "requestId": payload["requestId"],
            "stackTrace": payload["stackTrace"],
        }) + "\n")
        return
    line = "[ERROR]"
    if payload["errorType"]:
        line += " " + payload["errorType"] + (":" if payload["errorMessage"] else "")
    if payload["errorMessage"]:
        line += " " + payload["errorMessage"]
    # The Traceback line comes even with no frames (an import error), as on AWS.
    lines = [line, "Traceback (most recent call last):"]
    for element in payload["stackTrace"]:
        lines.extend(element.splitlines() or [""])
    write_log(LOG_LINE_BREAK.join(lines).replace("\n", LOG_LINE_BREAK) + "\n")


def write_log(text):
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except (OSError, ValueError):
        pass  # a closed or full stdout must not take the environment down


# --- Hooks run when the handler imports logging or botocore ------------------------------------


class PostImportHooks:
    """
    A meta path finder that runs a callback right after a watched module has executed, so that
    modules the handler may never import cost nothing at start-up.
    """

    def __init__(self, hooks):
        self.hooks = hooks

    def find_spec(self, name, path=None, target=None):
        hook = self.hooks.get(name)
        if hook is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        original = loader.exec_module

        def exec_module(module):
            original(module)
            self.hooks.pop(name, None)
            try:
                hook(module)
            except Exception as e:  # a hook must never break the user's import
                write_log("lambda-tutor: could not configure %s: %s\n" % (name, e))

        loader.exec_module = exec_module
        return spec

    # Python < 3.4 protocol, never used on 3.8+; present so old callers skip us cleanly.
    def find_module(self, name, path=None):
        return None


LOG_LEVELS = {
    "TRACE": "DEBUG",
    "DEBUG": "DEBUG",
    "INFO": "INFO",
    "WARN": "WARNING",
    "WARNING": "WARNING",
    "ERROR": "ERROR",
    "FATAL": "CRITICAL",
    "CRITICAL": "CRITICAL",
}


JSON_LOGS = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"
JSON_LEVEL_NAMES = {"WARNING": "WARN", "CRITICAL": "FATAL"}


def iso_ms(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (int(t * 1000) % 1000)


def configure_logging(logging):
    """
    Lambda's root handler. Text: `[LEVEL]\t<UTC time>.<ms>Z\t<request id>\t<message>`.
    JSON (AWS_LAMBDA_LOG_FORMAT=JSON): one object per record with timestamp, level, message,
    logger and requestId, plus the record's `extra` keys and the exception, if any.
    """
    make_record = logging.getLogRecordFactory()

    def record_factory(*args, **kwargs):
        record = make_record(*args, **kwargs)
        record.aws_request_id = current_request_id
        return record

    logging.setLogRecordFactory(record_factory)
    plain = set(vars(logging.LogRecord("", 0, "", 0, "", (), None)))
    plain |= {"message", "asctime", "aws_request_id", "taskName"}

    class LambdaHandler(logging.Handler):
        def emit(self, record):
            try:
                text = self.format(record)
            except Exception:
                self.handleError(record)
                return
            write_log(text.replace("\n", LOG_LINE_BREAK) + "\n")

    class JsonFormatter(logging.Formatter):
        def format(self, record):
            result = {
                "timestamp": iso_ms(record.created),
                "level": JSON_LEVEL_NAMES.get(record.levelname, record.levelname),
                "message": record.getMessage(),
                "logger": record.name,
                "requestId": getattr(record, "aws_request_id", ""),
            }
            if record.exc_info and record.exc_info[1] is not None:
                exc = record.exc_info[1]
                result["errorType"] = type(exc).__name__
                result["errorMessage"] = str(exc)
                result["stackTrace"] = user_frames(exc.__traceback__)
                result["location"] = "%s:%s:%d" % (record.pathname, record.funcName, record.lineno)
            for key, value in record.__dict__.items():
                if key not in plain and key not in result:
                    result[key] = value
            return json_dumps(result, default=str)

    if JSON_LOGS:
        formatter = JsonFormatter()
    else:
        formatter = logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
            "%Y-%m-%dT%H:%M:%S",
        )
        formatter.converter = time.gmtime
    handler = LambdaHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.addHandler(handler)
    # Lambda sets a level only with the JSON format, INFO unless configured otherwise.
    level = LOG_LEVELS.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper())
    if level is None and JSON_LOGS:
        level = "INFO"
    if level:
        root.setLevel(level)


# botocore names its endpoint variables after the service id, which differs from a few client names.
SERVICE_ENV_NAMES = {
    "logs": "CLOUDWATCH_LOGS",
    "monitoring": "CLOUDWATCH",
    "events": "EVENTBRIDGE",
    "stepfunctions": "SFN",
    "apigateway": "API_GATEWAY",
    "apigatewayv2": "APIGATEWAYV2",
}


def endpoint_for(service_name):
    if os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true":
        return None
    name = SERVICE_ENV_NAMES.get(service_name, service_name.upper().replace("-", "_"))
    return os.environ.get("AWS_ENDPOINT_URL_" + name) or os.environ.get("AWS_ENDPOINT_URL") or None


def configure_botocore(session_module):
    """
    botocore before 1.31 ignores AWS_ENDPOINT_URL. Clients created without an endpoint_url get
    it here, so a handler's plain boto3.client("s3") talks to the local cloud, as the same code
    talks to AWS when deployed there.
    """
    original = session_module.Session.create_client

    def create_client(self, service_name, *args, **kwargs):
        if len(args) < 5 and kwargs.get("endpoint_url") is None:
            endpoint = endpoint_for(service_name)
            if endpoint:
                kwargs["endpoint_url"] = endpoint
        return original(self, service_name, *args, **kwargs)

    create_client.__doc__ = original.__doc__
    create_client.__wrapped__ = original
    session_module.Session.create_client = create_client


# --- The handler --------------------------------------------------------------------------------


def add_site_dirs():
    """
    The cloud starts Python with -S: site's .pth files (which import importlib.util, contextlib
    and more) and sitecustomize (Debian's apport hook) cost more than the rest of a cold start.
    The site directories are still searched, in site's order, so boto3 and Pillow import as
    before; the .pth files are read the first time an import finds nothing (SitePthFinder).
    """
    if not sys.flags.no_site:
        return
    import site  # under -S, importing site runs none of its main()

    dirs = []
    if site.check_enableusersite():
        dirs.append(site.getusersitepackages())
    dirs += site.getsitepackages()
    for entry in dirs:
        if entry not in sys.path and os.path.isdir(entry):
            sys.path.append(entry)
    site.setquit()
    site.setcopyright()
    site.sethelper()
    sys.meta_path.append(SitePthFinder(dirs))


class SitePthFinder:
    """Last on sys.meta_path: reads the site directories' .pth files once, then looks again."""

    def __init__(self, dirs):
        self.dirs = dirs

    def find_spec(self, name, path=None, target=None):
        if self not in sys.meta_path:
            return None
        sys.meta_path.remove(self)
        import site
        from importlib.machinery import PathFinder

        for entry in self.dirs:
            if os.path.isdir(entry):
                site.addsitedir(entry)
        return PathFinder.find_spec(name, path, target)


def set_up_paths(task_root):
    """
    sys.path as on Lambda: the code, then layers (/opt/python…), then the runtime's own.
    Returns the function's own folders, the code's and the layers'.
    """
    if sys.path and os.path.abspath(sys.path[0] or ".") == RUNTIME_DIR:
        del sys.path[0]
    version = "python%d.%d" % sys.version_info[:2]
    front = [task_root]
    for opt in (os.environ.get("LAMBDA_TUTOR_OPT"), "/opt"):
        if opt:
            front += [os.path.join(opt, "python", "lib", version, "site-packages"),
                      os.path.join(opt, "python")]
    seen = set()
    for entry in reversed(front):
        if entry not in seen:
            seen.add(entry)
            if entry in sys.path:
                sys.path.remove(entry)
            sys.path.insert(0, entry)
    return front


class NotInLambda:
    """
    First on sys.meta_path: packages this machine's Python has and Lambda's Python runtimes do
    not. botocore imports the CRT (awscrt) for signing and urllib3 pyOpenSSL when they are
    there, which costs a cold start here what it does not cost on AWS, and code that works here
    only because of them would fail there. A copy the function ships itself (in its package or
    a layer) is found as on AWS.

    requests too: Lambda's runtimes do not have it ("No module named 'requests'"), and the
    botocore they ship imports only a few exception classes of it, from a stub it vendors.
    Debian's botocore imports the whole library instead (a third of boto3's import time); its
    import gets the same stub as AWS's botocore, and nothing else sees it.
    """

    NAMES = ("awscrt", "OpenSSL", "requests")

    def __init__(self, own_dirs):
        self.own_dirs = own_dirs

    def find_spec(self, name, path=None, target=None):
        if path is not None or name not in self.NAMES:
            return None
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(name, self.own_dirs)
        if spec is None and name == "requests" and importer() == "botocore.exceptions":
            from importlib.machinery import ModuleSpec

            return ModuleSpec("requests", RequestsStub())
        if spec is None:
            raise ModuleNotFoundError("No module named %r" % name, name=name)
        return spec


def importer():
    """The module whose code runs the import under way, past the import machinery and us."""
    f = sys._getframe(1)
    while f is not None:
        g = f.f_globals
        name = g.get("__name__", "")
        if g is not globals() and not name.startswith(("_frozen_importlib", "importlib")):
            return name
        f = f.f_back
    return ""


# What botocore's own vendored "requests" holds (botocore/vendored/requests/exceptions.py).
REQUESTS_STUB = """
from urllib3.exceptions import HTTPError as BaseHTTPError


class RequestException(IOError):
    def __init__(self, *args, **kwargs):
        response = kwargs.pop("response", None)
        self.response = response
        self.request = kwargs.pop("request", None)
        if response is not None and not self.request and hasattr(response, "request"):
            self.request = self.response.request
        super(RequestException, self).__init__(*args, **kwargs)


class HTTPError(RequestException):
    pass


class ConnectionError(RequestException):
    pass


class ProxyError(ConnectionError):
    pass


class SSLError(ConnectionError):
    pass


class Timeout(RequestException):
    pass


class ConnectTimeout(ConnectionError, Timeout):
    pass


class ReadTimeout(Timeout):
    pass


class URLRequired(RequestException):
    pass


class TooManyRedirects(RequestException):
    pass


class MissingSchema(RequestException, ValueError):
    pass


class InvalidSchema(RequestException, ValueError):
    pass


class InvalidURL(RequestException, ValueError):
    pass


class ChunkedEncodingError(RequestException):
    pass


class ContentDecodingError(RequestException, BaseHTTPError):
    pass
"""


class RequestsStub:
    """Loads the stub as "requests", with .exceptions and .packages.urllib3, for botocore only:
    its names leave sys.modules once botocore's import of it is done."""

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        import types
        import urllib3

        exceptions = types.ModuleType("requests.exceptions")
        exec(compile(REQUESTS_STUB, "<botocore.vendored.requests.exceptions>", "exec"),
             exceptions.__dict__)
        packages = types.ModuleType("requests.packages")
        packages.urllib3 = urllib3
        module.exceptions = exceptions
        module.packages = packages
        sys.modules["requests.exceptions"] = exceptions
        sys.modules["requests.packages"] = packages
        sys.modules["requests.packages.urllib3"] = urllib3


def drop_requests_stub(module):
    """After botocore.exceptions: its import of the stub is done; the handler's finds nothing."""
    stub = sys.modules.get("requests")
    if stub is not None and isinstance(getattr(stub.__spec__, "loader", None), RequestsStub):
        for name in ("requests", "requests.exceptions", "requests.packages",
                     "requests.packages.urllib3"):
            sys.modules.pop(name, None)


def load_handler(handler):
    """Import the handler's module (running its init code) and return the function to call."""
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as e:
        raise Fault("Runtime.MalformedHandlerName", "Bad handler '%s': %s" % (handler, e))
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise Fault(
            "Runtime.BuiltInModuleConflict",
            "Cannot use built-in module %s as a handler module" % module_name,
        )
    # __import__ and sys.modules, as importlib.import_module does for an absolute name, without
    # importing importlib (and warnings) on every cold start.
    try:
        name = module_name.replace("/", ".")
        __import__(name)
        module = sys.modules[name]
    except ImportError as e:
        raise Fault("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_name, e))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise Fault(
            "Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_name, e), trace
        )
    try:
        return getattr(module, function_name)
    except AttributeError:
        # As on AWS, a missing handler fails each invocation, not the init.
        fault = Fault(
            "Runtime.HandlerNotFound",
            "Handler '%s' missing on module '%s'" % (function_name, module_name),
        )

        def missing_handler(event, context):
            raise fault

        return missing_handler


# --- The context object -------------------------------------------------------------------------


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, data):
        self.cognito_identity_id = data.get("cognitoIdentityId")
        self.cognito_identity_pool_id = data.get("cognitoIdentityPoolId")

    def __repr__(self):
        return "CognitoIdentity([cognito_identity_id=%s,cognito_identity_pool_id=%s])" % (
            self.cognito_identity_id, self.cognito_identity_pool_id)


class Client:
    __slots__ = ("installation_id", "app_title", "app_version_name", "app_version_code",
                 "app_package_name")

    def __init__(self, data):
        for name in self.__slots__:
            setattr(self, name, data.get(name))


class ClientContext:
    __slots__ = ("custom", "env", "client")

    def __init__(self, data):
        self.custom = data.get("custom")
        self.env = data.get("env")
        client = data.get("client")
        self.client = Client(client) if isinstance(client, dict) else None


class LambdaContext:
    """The handler's second argument, with the fields and method of Lambda's Python context."""

    def __init__(self, request_id, deadline_ms, function_arn, client_context, identity, tenant_id):
        env = os.environ
        self.aws_request_id = request_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        # A string, as on AWS: the value comes straight from the environment.
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = function_arn
        self.tenant_id = tenant_id
        self.client_context = ClientContext(client_context) if client_context else None
        self.identity = CognitoIdentity(identity or {})
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(round(time.time() * 1000)), 0)

    def log(self, message):
        write_log(str(message))

    def __repr__(self):
        return (
            "LambdaContext([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,"
            "function_name=%s,memory_limit_in_mb=%s,function_version=%s,"
            "invoked_function_arn=%s,client_context=%s,identity=%s,tenant_id=%s])"
            % (self.aws_request_id, self.log_group_name, self.log_stream_name,
               self.function_name, self.memory_limit_in_mb, self.function_version,
               self.invoked_function_arn, self.client_context, self.identity, self.tenant_id)
        )


def json_header(headers, name):
    value = headers.get(name)
    if not value:
        return None
    try:
        parsed = json_loads(value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


# --- Invocations --------------------------------------------------------------------------------


# Python 3.12 and later runtimes write non-ASCII characters as they are; 3.11 and earlier escape
# them (\u00e9), as AWS's client does for each.
ESCAPE_NON_ASCII = False


def read_settings():
    """What the environment's variables set for the whole client: at import, and again in main()
    (a pre-initialised interpreter imported this module before it had the function's)."""
    global JSON_LOGS, ESCAPE_NON_ASCII
    JSON_LOGS = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"
    ESCAPE_NON_ASCII = os.environ.get("AWS_EXECUTION_ENV", "") in (
        "AWS_Lambda_python3.8", "AWS_Lambda_python3.9", "AWS_Lambda_python3.10",
        "AWS_Lambda_python3.11")


read_settings()


def decimal_default(obj):
    # DynamoDB hands out Decimals; Lambda's marshaller writes them as numbers.
    if type(obj).__name__ == "Decimal" and type(obj).__module__ == "decimal":
        return float(obj) if obj != obj.to_integral_value() else int(obj)
    raise TypeError("Object of type %s is not JSON serializable" % type(obj).__name__)


def handle(client, handler, headers, body):
    global current_request_id
    request_id = headers.get("lambda-runtime-aws-request-id", "")
    current_request_id = request_id
    trace_id = headers.get("lambda-runtime-trace-id")
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    try:
        deadline_ms = int(headers.get("lambda-runtime-deadline-ms", "0"))
    except ValueError:
        deadline_ms = 0
    context = LambdaContext(
        request_id,
        deadline_ms,
        headers.get("lambda-runtime-invoked-function-arn"),
        json_header(headers, "lambda-runtime-client-context"),
        json_header(headers, "lambda-runtime-cognito-identity"),
        headers.get("lambda-runtime-aws-tenant-id"),
    )

    error = None
    content_type = headers.get("content-type", "application/json").lower()
    if "json" in content_type or not content_type:
        try:
            event = json_loads(body)
        except ValueError as e:
            error = make_error("Unable to unmarshal input: %s" % e, "Runtime.UnmarshalError", [],
                               request_id)
    else:
        event = body

    if error is None:
        try:
            result = handler(event, context)
        except Fault as fault:
            error = make_error(fault.message, fault.error_type, fault.trace, request_id)
        except Exception as e:
            error = error_from_exception(e, request_id)

    if error is None:
        try:
            payload = json_dumps(result, default=decimal_default,
                                 ensure_ascii=ESCAPE_NON_ASCII).encode("utf-8")
        except Exception as e:  # TypeError, ValueError (circular, NaN…), RecursionError
            error = make_error("Unable to marshal response: %s" % e, "Runtime.MarshalError", [],
                               request_id)

    if error is None:
        client.post_response(request_id, payload)
    else:
        log_error(error)
        client.post_error(request_id, error)
    current_request_id = ""


def main():
    read_settings()
    try:
        client = RuntimeClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    except (KeyError, RuntimeApiError) as e:
        sys.stderr.write("lambda-tutor python runtime: AWS_LAMBDA_RUNTIME_API: %s\n" % e)
        return 2
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    add_site_dirs()
    sys.meta_path.insert(0, NotInLambda(set_up_paths(task_root)))
    hooks = {"logging": configure_logging, "botocore.exceptions": drop_requests_stub}
    if os.environ.get("AWS_ENDPOINT_URL") or any(k.startswith("AWS_ENDPOINT_URL_") for k in os.environ):
        hooks["botocore.session"] = configure_botocore
    sys.meta_path.insert(0, PostImportHooks(hooks))
    # Imported before us: by site customisation, or ahead in a pre-initialised interpreter.
    for name in [name for name in hooks if name in sys.modules]:
        try:
            hooks.pop(name)(sys.modules[name])
        except Exception as e:
            write_log("lambda-tutor: could not configure %s: %s\n" % (name, e))

    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
        error = None
    except Fault as fault:
        error = make_error(fault.message, fault.error_type, fault.trace, "")
    except Exception as e:  # the module's own code raised while loading
        error = error_from_exception(e, "")
    if error is not None:
        log_error(error)
        try:
            client.post_init_error(error)
        except (OSError, RuntimeApiError):
            pass
        return 1

    while True:
        try:
            headers, body = client.next_invocation()
        except (OSError, RuntimeApiError) as e:
            sys.stderr.write("lambda-tutor python runtime: the Runtime API is gone: %s\n" % e)
            return 1
        try:
            handle(client, handler, headers, body)
        except (OSError, RuntimeApiError) as e:
            sys.stderr.write("lambda-tutor python runtime: posting the result failed: %s\n" % e)
