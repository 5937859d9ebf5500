"""
The Python runtime client (src/cloud/runtimes/python/bootstrap.py) against the mock Runtime API:
each test starts a real interpreter on a fixture handler and checks what reaches the API and
stdout, byte for byte where Lambda fixes the format. TAP on stdout.
"""

import json
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rtlib  # noqa: E402
from rtlib import ISO_MS, REQUEST_ID, python_env, wait_for  # noqa: E402


def test_echo_round_trip(t):
    event = {"name": "Zoë", "n": 42, "f": 1.5, "ok": True, "none": None,
             "list": [1, "two", {"three": 3}], "nested": {"a": {"b": ["c"]}}}
    with python_env("echo.handler") as env:
        rid, res = env.invoke(event)
        t.ok(res is not None and res.kind == "response", "echo: posted to /response")
        t.eq(res.json(), event, "echo: the event comes back unchanged through JSON")
        t.ok(res.body.decode().startswith('{"name": '), "echo: serialised as json.dumps does")
        _, res2 = env.invoke("just a string")
        t.eq(res2.json(), "just a string", "echo: a bare JSON string is an event too")
        t.eq(env.api.connections, 1, "echo: one keep-alive connection carries every request")
        big = {"blob": "x" * (4 * 1024 * 1024)}  # read in many chunks
        _, res3 = env.invoke(big)
        t.ok(res3 is not None and res3.json() == big, "echo: a 4 MiB event comes back whole")


def test_unicode_by_runtime(t):
    with python_env("echo.handler", extra_env={"AWS_EXECUTION_ENV": "AWS_Lambda_python3.11"}) as env:
        _, res = env.invoke({"name": "Zoë"})
        t.eq(res and res.body, b'{"name": "Zo\\u00eb"}', "unicode: python3.11 escapes non-ASCII")
    with python_env("echo.handler", extra_env={"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"}) as env:
        _, res = env.invoke({"name": "Zoë"})
        t.eq(res and res.body, '{"name": "Zoë"}'.encode(), "unicode: python3.12 writes UTF-8")


def test_context_fields(t):
    cc = {"custom": {"k": "v"}, "env": {"platform": "x"}, "client": {"installation_id": "i-1"}}
    ident = {"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}
    with python_env("ctx.handler") as env:
        rid, res = env.invoke({}, timeout_ms=5000, headers={
            "Lambda-Runtime-Client-Context": json.dumps(cc),
            "Lambda-Runtime-Cognito-Identity": json.dumps(ident)})
        got = res.json()
        t.eq(got["function_name"], "fixture", "context: function_name")
        t.eq(got["function_version"], "$LATEST", "context: function_version")
        t.eq(got["invoked_function_arn"],
             "arn:aws:lambda:us-east-1:012345678912:function:fixture",
             "context: invoked_function_arn from Lambda-Runtime-Invoked-Function-Arn")
        t.eq(got["memory_limit_in_mb"], "128", "context: memory_limit_in_mb (a str, as on AWS)")
        t.eq(got["aws_request_id"], rid, "context: aws_request_id")
        t.eq(got["log_group_name"], "/aws/lambda/fixture", "context: log_group_name")
        t.match(r"^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$", got["log_stream_name"],
                "context: log_stream_name")
        low, high = env.api.remaining_bounds(rid, res)
        t.ok(low <= got["remaining"] <= high <= 5002,
             "context: remaining time follows the deadline", (low, got["remaining"], high))
        t.eq(got["identity"], ["id-1", "pool-1"], "context: identity from the Cognito header")
        t.eq(got["client_context"], {"custom": {"k": "v"}, "env": {"platform": "x"},
                                     "installation_id": "i-1"}, "context: client_context")
        t.match(r"^Root=1-5bef4de7-", got["trace_id"], "context: _X_AMZN_TRACE_ID per invocation")
        t.eq(got["cwd"], got["task_root"], "environment: cwd is LAMBDA_TASK_ROOT")
        _, res = env.invoke({}, timeout_ms=-1000, headers={"Lambda-Runtime-Trace-Id": ""})
        got = res.json()
        t.eq(got["remaining"], 0, "context: a passed deadline leaves 0 ms, never negative")
        t.eq(got["identity"], [None, None], "context: identity fields are None without header")
        t.eq(got["client_context"], None, "context: client_context is None without header")
        t.eq(got["trace_id"], None, "context: _X_AMZN_TRACE_ID removed when no trace header")


def test_warm_state(t):
    with python_env("state.handler") as env:
        counts = [env.invoke({})[1].json()["count"] for _ in range(3)]
        t.eq(counts, [1, 2, 3], "warm: module state survives between invocations")
        t.eq(env.stdout().count("init ran\n"), 1, "warm: module code ran once")
        t.eq(env.api.connections, 1, "warm: still one connection after three invocations")


def test_handler_errors(t):
    with python_env("errors.handler") as env:
        rid, res = env.invoke({"kind": "value"})
        t.eq(res.kind, "error", "error: posted to /invocation/{id}/error")
        body = res.json()
        t.eq(sorted(body), ["errorMessage", "errorType", "requestId", "stackTrace"],
             "error: exactly Lambda's Python keys")
        t.eq((body["errorType"], body["errorMessage"], body["requestId"]),
             ("ValueError", "boom", rid), "error: type, message and request id")
        t.ok(isinstance(body["stackTrace"], list) and len(body["stackTrace"]) == 1,
             "error: stackTrace holds the user's frames only", body["stackTrace"])
        t.match(r'^  File "[^"]*/python/errors\.py", line 12, in handler\n'
                r'    raise ValueError\("boom"\)\n$', body["stackTrace"][0],
                "error: each frame formatted as traceback.format_list")
        t.eq(res.headers.get("lambda-runtime-function-error-type"), "ValueError",
             "error: Lambda-Runtime-Function-Error-Type header")
        t.ok(wait_for(lambda: "[ERROR] ValueError: boom" in env.stdout()),
             "error: logged", env.stdout())
        t.match(r"^\[ERROR\] ValueError: boom\rTraceback \(most recent call last\):\r"
                r'  File "[^"]*errors\.py", line 12, in handler\r    raise ValueError\("boom"\)$',
                env.stdout(), "error: log record is one line, frames joined by \\r")
        _, res = env.invoke({"kind": "custom", "id": 7})
        t.eq((res.json()["errorType"], res.json()["errorMessage"]),
             ("OrderError", "order 7 is missing"), "error: a user exception class keeps its name")
        _, res = env.invoke({"kind": "key"})
        t.eq((res.json()["errorType"], res.json()["errorMessage"]), ("KeyError", "'missing'"),
             "error: KeyError's message is its repr, as str() gives")
        _, res = env.invoke({})
        t.eq(res.kind, "error", "error: the environment keeps serving after errors")


def init_error_case(t, handler, error_type, message_re, trace_re=None):
    with python_env(handler) as env:
        err = env.api.wait_init_error()
        t.ok(err is not None, "%s: posted to /init/error" % handler, env.stderr())
        if err is None:
            return
        body = err.json()
        t.eq(body["errorType"], error_type, "%s: errorType" % handler)
        t.match(message_re, body["errorMessage"], "%s: errorMessage" % handler)
        t.eq(body["requestId"], "", "%s: no request id during init" % handler)
        t.eq(err.headers.get("lambda-runtime-function-error-type"), error_type,
             "%s: error type header" % handler)
        if trace_re:
            t.match(trace_re, "".join(body["stackTrace"]), "%s: stackTrace" % handler)
        t.eq(env.wait_exit(), 1, "%s: the process exits with status 1" % handler)
        t.eq(env.api.next_calls, 0, "%s: never asked for an invocation" % handler)
        t.match(r"^\[ERROR\] %s: .*\rTraceback \(most recent call last\):" % re.escape(error_type),
                env.stdout(), "%s: logged, Traceback line included" % handler)


def test_init_errors(t):
    init_error_case(t, "import_error.handler", "Runtime.ImportModuleError",
                    r"^Unable to import module 'import_error': "
                    r"No module named 'requests_that_do_not_exist'$")
    init_error_case(t, "no_such_module.handler", "Runtime.ImportModuleError",
                    r"^Unable to import module 'no_such_module': No module named 'no_such_module'$")
    init_error_case(t, "syntax_error.handler", "Runtime.UserCodeSyntaxError",
                    r"^Syntax error in module 'syntax_error': .*\(syntax_error\.py, line 2\)$",
                    r'File ".*syntax_error\.py" Line 2')
    init_error_case(t, "nodots", "Runtime.MalformedHandlerName",
                    r"^Bad handler 'nodots': not enough values to unpack \(expected 2, got 1\)$")
    init_error_case(t, "init_raises.handler", "RuntimeError", r"^config table not set$",
                    r'init_raises\.py", line 2, in <module>')
    init_error_case(t, "sys.handler", "Runtime.BuiltInModuleConflict",
                    r"^Cannot use built-in module sys as a handler module$")


def test_handler_not_found(t):
    with python_env("echo.no_such_function") as env:
        rid, res = env.invoke({})
        t.ok(res is not None and res.kind == "error",
             "not found: each invocation fails, as on AWS", env.stderr())
        t.eq((res.json()["errorType"], res.json()["errorMessage"]),
             ("Runtime.HandlerNotFound", "Handler 'no_such_function' missing on module 'echo'"),
             "not found: errorType and message")
        t.eq(env.api.init_errors, [], "not found: the init itself succeeded")


def test_marshal(t):
    with python_env("marshalling.handler") as env:
        rid, res = env.invoke("set")
        body = res.json()
        t.eq((res.kind, body["errorType"], body["errorMessage"], body["stackTrace"]),
             ("error", "Runtime.MarshalError",
              "Unable to marshal response: Object of type set is not JSON serializable", []),
             "marshal: an unserialisable result is Runtime.MarshalError")
        _, res = env.invoke("decimal")
        t.eq(res.body, b'{"price": 9.5, "qty": 3}', "marshal: Decimals are written as numbers")
        _, res = env.invoke("none")
        t.eq(res.body, b"null", "marshal: None is null")
        rid, _ = env.invoke("big", wait=0)
        t.ok(wait_for(lambda: ("POST", "/2018-06-01/runtime/invocation/%s/response" % rid, 413)
                      in env.api.statuses, 30), "marshal: a 7 MB response is refused (413)")
        t.ok(rid not in env.api.results, "marshal: and no result is recorded for it")
        _, res = env.invoke("small")
        t.eq(res and res.json(), "ok", "marshal: the client recovers and serves the next event")


def test_unmarshal(t):
    with python_env("echo.handler") as env:
        rid, res = env.invoke(None, raw=b"{not json")
        t.eq((res.kind, res.json()["errorType"]), ("error", "Runtime.UnmarshalError"),
             "unmarshal: a body that is not JSON is Runtime.UnmarshalError")


def test_logging(t):
    with python_env("logs.handler") as env:
        rid, res = env.invoke("e1")
        t.eq(res.json(), "logged", "logging: handler returned")
        out = env.stdout()
        t.match(r"^plain print e1$", out, "logging: print() is written unchanged")
        t.match(r"^\[WARNING\]\t%s\t%s\twarned e1$" % (ISO_MS, re.escape(rid)), out,
                "logging: [LEVEL]\\t<UTC ms>Z\\t<request id>\\t<message>")
        t.ok("informed" not in out, "logging: root level stays WARNING by default, as on AWS")
        t.match(r"^\[ERROR\]\t%s\t%s\ttwo\rlines$" % (ISO_MS, rid), out,
                "logging: a multi-line message stays one line (\\r)")
    with python_env("logs.handler", extra_env={"AWS_LAMBDA_LOG_LEVEL": "DEBUG"}) as env:
        rid, res = env.invoke("e2")
        out = env.stdout()
        t.match(r"^\[INFO\]\t%s\t%s\tinformed e2$" % (ISO_MS, rid), out,
                "logging: AWS_LAMBDA_LOG_LEVEL=DEBUG shows INFO")
        t.match(r"^\[DEBUG\]\t%s\t%s\tdebugged e2$" % (ISO_MS, rid), out,
                "logging: and DEBUG")
    with python_env("logs.handler", extra_env={"AWS_LAMBDA_LOG_LEVEL": "ERROR"}) as env:
        env.invoke("e3")
        t.ok("warned" not in env.stdout(), "logging: AWS_LAMBDA_LOG_LEVEL=ERROR hides WARNING")


def test_json_logging(t):
    with python_env("logs.structured", extra_env={"AWS_LAMBDA_LOG_FORMAT": "JSON"}) as env:
        rid, res = env.invoke("e4")
        t.eq(res and res.json(), "structured", "json logs: handler returned", env.stdout())
        lines = [json.loads(l) for l in env.stdout().splitlines() if l.startswith("{")]
        info = [l for l in lines if l.get("message") == "order placed"]
        t.ok(len(info) == 1, "json logs: one object per record", env.stdout())
        if info:
            rec = info[0]
            t.match("^%s$" % ISO_MS, rec["timestamp"], "json logs: timestamp")
            t.eq((rec["level"], rec["logger"], rec["requestId"]), ("INFO", "root", rid),
                 "json logs: level, logger, requestId (INFO by default with JSON)")
            t.eq((rec.get("orderId"), rec.get("amountCents")), ("42", 1999),
                 "json logs: extra keys at the top level")
        t.ok(not any(l.get("message", "").startswith("full event") for l in lines),
             "json logs: DEBUG dropped at the default INFO level")
        exc = [l for l in lines if l.get("message") == "lookup failed"]
        t.ok(exc and exc[0]["errorType"] == "KeyError" and exc[0]["level"] == "ERROR"
             and exc[0]["stackTrace"], "json logs: logger.exception adds errorType and stackTrace",
             exc)
    with python_env("errors.handler", extra_env={"AWS_LAMBDA_LOG_FORMAT": "JSON"}) as env:
        rid, res = env.invoke({})
        t.ok(wait_for(lambda: '"log_level": "ERROR"' in env.stdout()), "json logs: error logged")
        rec = [json.loads(l) for l in env.stdout().splitlines() if '"log_level"' in l]
        t.eq(rec and (rec[0]["errorType"], rec[0]["errorMessage"], rec[0]["requestId"]),
             ("ValueError", "boom", rid), "json logs: an unhandled error is one JSON object")


def test_packages(t):
    with python_env("pkg.sub.mod.handler") as env:
        t.eq(env.invoke({})[1].json(), {"where": "pkg.sub.mod"}, "handler: dotted package")
    with python_env("src/app.handler") as env:
        t.eq(env.invoke({})[1].json(), {"where": "src.app"}, "handler: subfolder path")


def test_sdk_endpoint(t):
    probe = os.system("%s -c 'import boto3' 2>/dev/null" % rtlib.python_interpreter())
    if probe != 0:
        t.ok(True, "sdk: boto3 not installed for %s # SKIP" % rtlib.python_interpreter())
        return
    with python_env("sdk.handler", extra_env={"AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
                                              "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS":
                                              "http://127.0.0.1:4599"}) as env:
        _, res = env.invoke({})
        t.ok(res is not None and res.kind == "response", "sdk: handler ran", env.stdout())
        got = res.json()
        t.eq(got["s3"], "http://127.0.0.1:4566", "sdk: boto3.client() defaults to AWS_ENDPOINT_URL")
        t.eq(got["sqs"], "http://127.0.0.1:9", "sdk: an explicit endpoint_url wins")
        t.eq(got["logs"], "http://127.0.0.1:4599", "sdk: a per-service variable wins")


def test_not_in_lambda(t):
    # Packages this machine's Python has and Lambda's runtime does not stay out of the handler's
    # reach, unless the function ships them itself.
    with python_env("not_in_lambda.handler") as env:
        t.eq(env.invoke({})[1].json(),
             {"awscrt": False, "OpenSSL": False, "requests": False, "botocore": True,
              "requests after boto3": False},
             "not in lambda: the system's awscrt, pyOpenSSL and requests are not importable, "
             "and botocore imports without them")
    import shutil
    import tempfile
    with tempfile.TemporaryDirectory() as code:
        shutil.copy(os.path.join(rtlib.FIXTURES, "python", "not_in_lambda.py"), code)
        os.makedirs(os.path.join(code, "OpenSSL"))
        open(os.path.join(code, "OpenSSL", "__init__.py"), "w").close()
        with python_env("not_in_lambda.handler", code_dir=code) as env:
            t.eq(env.invoke({})[1].json(),
                 {"awscrt": False, "OpenSSL": True, "requests": False, "botocore": True,
                  "requests after boto3": False},
                 "not in lambda: a copy in the function's own package imports")


def test_lazy_imports(t):
    # The cold start budget: nothing heavy is loaded before the handler asks for it.
    with python_env("modules.handler") as env:
        t.eq(env.invoke({})[1].json(), [], "startup: no http.client, logging, botocore preloaded")


if __name__ == "__main__":
    if not rtlib.python_interpreter():
        rtlib.skip("no python3")
    sys.exit(rtlib.Tap().run([
        test_echo_round_trip, test_unicode_by_runtime, test_context_fields, test_warm_state,
        test_handler_errors,
        test_init_errors, test_handler_not_found, test_marshal, test_unmarshal, test_logging,
        test_json_logging, test_packages, test_sdk_endpoint, test_not_in_lambda,
        test_lazy_imports,
    ]))
