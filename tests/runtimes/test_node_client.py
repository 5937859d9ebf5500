"""
The Node.js runtime client (src/cloud/runtimes/node/bootstrap.js) against the mock Runtime API:
each test starts real node on a fixture handler and checks what reaches the API and stdout,
byte for byte where Lambda fixes the format. TAP on stdout.
"""

import json
import os
import re
import shutil
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rtlib  # noqa: E402
from rtlib import FIXTURES, ISO_MS, node_env, wait_for  # noqa: E402

NODE = os.path.join(FIXTURES, "node")


def test_echo_round_trip(t):
    event = {"name": "Zoë", "n": 42, "f": 1.5, "ok": True, "none": None,
             "list": [1, "two", {"three": 3}]}
    with node_env("echo.handler") as env:
        rid, res = env.invoke(event)
        t.ok(res is not None and res.kind == "response", "echo: posted to /response",
             env.stdout() + env.stderr())
        t.eq(res.json(), event, "echo: the event comes back unchanged through JSON")
        t.eq(res.body, json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode(),
             "echo: serialised as JSON.stringify does")
        _, res2 = env.invoke("plain")
        t.eq(res2.json(), "plain", "echo: a bare JSON string is an event too")
        t.eq(env.api.connections, 1, "echo: one keep-alive connection carries every request")
        big = {"blob": "x" * (4 * 1024 * 1024)}  # read in many chunks
        _, res3 = env.invoke(big)
        t.ok(res3 is not None and res3.json() == big, "echo: a 4 MiB event comes back whole")


def test_context_fields(t):
    cc = {"custom": {"k": "v"}, "client": {"installation_id": "i-1"}}
    ident = {"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"}
    with node_env("ctx.handler") as env:
        rid, res = env.invoke({}, timeout_ms=5000, headers={
            "Lambda-Runtime-Client-Context": json.dumps(cc),
            "Lambda-Runtime-Cognito-Identity": json.dumps(ident)})
        got = res.json()
        t.eq(got["functionName"], "fixture", "context: functionName")
        t.eq(got["functionVersion"], "$LATEST", "context: functionVersion")
        t.eq(got["invokedFunctionArn"], "arn:aws:lambda:us-east-1:012345678912:function:fixture",
             "context: invokedFunctionArn")
        t.eq(got["memoryLimitInMB"], "128", "context: memoryLimitInMB is a string, as on AWS")
        t.eq(got["awsRequestId"], rid, "context: awsRequestId")
        t.eq(got["logGroupName"], "/aws/lambda/fixture", "context: logGroupName")
        t.match(r"^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$", got["logStreamName"],
                "context: logStreamName")
        low, high = env.api.remaining_bounds(rid, res)
        t.ok(low <= got["remaining"] <= high <= 5002,
             "context: getRemainingTimeInMillis follows the deadline", (low, got["remaining"], high))
        t.eq(got["waits"], True, "context: callbackWaitsForEmptyEventLoop defaults to true")
        t.eq(got["identity"], ident, "context: identity from the Cognito header")
        t.eq(got["clientContext"], cc, "context: clientContext from its header")
        t.eq(got["legacy"], ["function"] * 3, "context: succeed, fail and done exist")
        t.match(r"^Root=1-5bef4de7-", got["traceId"], "context: _X_AMZN_TRACE_ID per invocation")
        t.eq(got["cwd"], got["taskRoot"], "environment: cwd is LAMBDA_TASK_ROOT")
        t.ok("/opt/nodejs/node_modules" in got["nodePath"].split(":"),
             "environment: NODE_PATH includes /opt/nodejs/node_modules", got["nodePath"])
        _, res = env.invoke({}, headers={"Lambda-Runtime-Trace-Id": ""})
        got = res.json()
        t.eq([got["identity"], got["clientContext"], got["traceId"]], ["undefined"] * 3,
             "context: no header, no identity, clientContext or trace id")


def test_warm_state(t):
    with node_env("state.handler") as env:
        counts = [env.invoke({})[1].json()["count"] for _ in range(3)]
        t.eq(counts, [1, 2, 3], "warm: module state survives between invocations")
        t.eq(len(re.findall(r"\tinit ran$", env.stdout(), re.M)), 1, "warm: module code ran once")
        t.match(r"^%s\tundefined\tINFO\tinit ran$" % ISO_MS, env.stdout(),
                "warm: init-time logs carry 'undefined' as the request id, as on AWS")
        t.eq(env.api.connections, 1, "warm: one connection after three invocations")


def test_handler_errors(t):
    with node_env("errors.handler") as env:
        rid, res = env.invoke({})
        t.eq(res.kind, "error", "error: posted to /invocation/{id}/error")
        body = res.json()
        t.eq(sorted(body), ["errorMessage", "errorType", "trace"],
             "error: exactly Lambda's Node.js keys (trace, not stackTrace)")
        t.eq((body["errorType"], body["errorMessage"]), ("Error", "boom"), "error: type and message")
        t.eq(body["trace"][0], "Error: boom", "error: trace starts with the error line")
        t.match(r"^    at .*errors\.js:\d+:\d+\)?$", body["trace"][1], "error: then the frames")
        t.eq(res.headers.get("lambda-runtime-function-error-type"), "Error",
             "error: Lambda-Runtime-Function-Error-Type header")
        t.ok(wait_for(lambda: "Invoke Error" in env.stdout()), "error: logged")
        t.match(r'^%s\t%s\tERROR\tInvoke Error \t\{"errorType":"Error","errorMessage":"boom",'
                r'"stack":\["Error: boom","    at ' % (ISO_MS, re.escape(rid)), env.stdout(),
                "error: logged as ERROR\\tInvoke Error \\t{json with stack}")
        _, res = env.invoke({"kind": "custom", "id": 7})
        t.eq((res.json()["errorType"], res.json()["errorMessage"]),
             ("OrderError", "order 7 is missing"), "error: a custom error keeps its name")
        _, res = env.invoke({"kind": "string"})
        t.eq(res.json(), {"errorType": "string", "errorMessage": "just a string", "trace": []},
             "error: a thrown string is errorType 'string'")
        _, res = env.invoke({"kind": "type"})
        t.eq(res.json()["errorType"], "TypeError", "error: a TypeError from the runtime")
        _, res = env.invoke({"kind": "none"})
        t.eq(res.kind, "error", "error: the environment keeps serving after errors")


def test_callbacks(t):
    with node_env("callback.handler") as env:
        start = time.time()
        rid, res = env.invoke({"mode": "wait"})
        elapsed = time.time() - start
        t.eq(res.json(), {"via": "callback", "mode": "wait"}, "callback: callback(null, result)")
        t.ok(elapsed >= 0.3, "callback: the response waited for the 300 ms timer (empty loop)",
             elapsed)
        t.ok(wait_for(lambda: "\tINFO\ttimer fired" in env.stdout()),
             "callback: the timer's log line was written")
        _, res = env.invoke({"mode": "error"})
        t.eq((res.kind, res.json()["errorMessage"]), ("error", "callback failed"),
             "callback: callback(err) posts the error")
        _, res = env.invoke({"mode": "succeed"})
        t.eq(res.json(), {"via": "succeed"}, "callback: context.succeed")
        _, res = env.invoke({"mode": "done"})
        t.eq(res.json(), {"via": "done"}, "callback: context.done")
        _, res = env.invoke({"mode": "fail"})
        t.eq((res.kind, res.json()["errorMessage"]), ("error", "failed via context"),
             "callback: context.fail")
        # Last: the 60 s timer it leaves would hold every later callback's result.
        rid, res = env.invoke({"mode": "nowait"}, wait=30)
        t.eq(res and res.json(), {"via": "callback", "mode": "nowait"},
             "callback: callbackWaitsForEmptyEventLoop = false sends before a 60 s timer fires")


def test_esm(t):
    with node_env("esm.handler") as env:
        _, res = env.invoke({"x": 1})
        t.eq(res and res.json(), {"esm": True, "file": "esm.mjs", "event": {"x": 1}},
             "esm: a .mjs handler is imported", env.stdout() + env.stderr())
    with node_env("index.handler", code_dir=os.path.join(NODE, "esm-pkg")) as env:
        _, res = env.invoke({})
        t.eq(res and res.json(), {"esm": True},
             "esm: .js under package.json type=module is an ES module", env.stdout())
    with node_env("nested.api.v1.handler") as env:
        _, res = env.invoke({})
        t.eq(res and res.json(), "nested", "handler: a nested export path")


def init_error_case(t, handler, error_type, message_re):
    with node_env(handler) as env:
        err = env.api.wait_init_error()
        t.ok(err is not None, "%s: posted to /init/error" % handler, env.stdout() + env.stderr())
        if err is None:
            return
        body = err.json()
        t.eq(body["errorType"], error_type, "%s: errorType" % handler)
        t.match(message_re, body["errorMessage"], "%s: errorMessage" % handler)
        t.ok(isinstance(body.get("trace"), list), "%s: trace is a list" % handler)
        t.eq(err.headers.get("lambda-runtime-function-error-type"), error_type,
             "%s: error type header" % handler)
        code = env.wait_exit()
        t.ok(code not in (None, 0), "%s: the process exits non-zero" % handler, code)
        t.eq(env.api.next_calls, 0, "%s: never asked for an invocation" % handler)
        t.match(r"^%s\tundefined\tERROR\tUncaught Exception \t\{\"errorType\":\"%s\""
                % (ISO_MS, re.escape(error_type)), env.stdout(), "%s: logged" % handler)


def test_init_errors(t):
    init_error_case(t, "no_such_file.handler", "Runtime.ImportModuleError",
                    r"^Error: Cannot find module 'no_such_file'")
    init_error_case(t, "import_error.handler", "Runtime.ImportModuleError",
                    r"^Error: Cannot find module 'left-pad-that-does-not-exist'")
    init_error_case(t, "syntax_error.handler", "Runtime.UserCodeSyntaxError", r"^SyntaxError: ")
    init_error_case(t, "echo.nope", "Runtime.HandlerNotFound",
                    r"^echo\.nope is undefined or not exported$")
    init_error_case(t, "not_function.handler", "Runtime.HandlerNotFound",
                    r"^not_function\.handler is not a function$")
    init_error_case(t, "nodots", "Runtime.MalformedHandlerName", r"^Bad handler$")
    init_error_case(t, "init_throws.handler", "TypeError", r"^config table not set$")


def test_process_faults(t):
    with node_env("uncaught.handler") as env:
        rid, res = env.invoke({})
        t.ok(res is not None and res.kind == "error", "uncaught: the error is posted",
             env.stdout() + env.stderr())
        t.eq(res and res.json()["errorMessage"], "thrown from a timer", "uncaught: its message")
        t.eq(env.wait_exit(), 129, "uncaught: then the process exits (129)")
        t.match(r"\tERROR\tUncaught Exception \t\{\"errorType\":\"Error\"", env.stdout(),
                "uncaught: logged as Uncaught Exception")
    with node_env("rejection.handler") as env:
        rid, res = env.invoke({})
        t.eq(res and (res.kind, res.json()["errorType"], res.json()["errorMessage"]),
             ("error", "Runtime.UnhandledPromiseRejection", "Error: nobody caught me"),
             "rejection: Runtime.UnhandledPromiseRejection")
        t.eq(env.wait_exit(), 128, "rejection: then the process exits (128)")
    with node_env("never.handler") as env:
        rid, res = env.invoke({})
        t.eq(res and (res.kind, res.json()["errorType"]), ("error", "Runtime.NodeJsExit"),
             "never: a promise that can never settle is Runtime.NodeJsExit")
    with node_env("circular.handler") as env:
        rid, res = env.invoke({})
        t.eq(res and (res.kind, res.json()["errorMessage"]),
             ("error", "Unable to stringify response body"), "marshal: a circular result")


def test_logging(t):
    with node_env("logs.handler") as env:
        rid, res = env.invoke("ev")
        out = env.stdout()
        prefix = r"^%s\t%s\t" % (ISO_MS, re.escape(rid))
        t.match(prefix + r"INFO\tlogged 3 items for ev$", out,
                "logging: console.log with util.format semantics")
        t.match(prefix + r"INFO\tinfo \{ a: 1 \}$", out, "logging: console.info is INFO")
        t.match(prefix + r"WARN\twarned$", out, "logging: console.warn is WARN")
        t.match(prefix + r"ERROR\terrored$", out, "logging: console.error is ERROR")
        t.match(prefix + r"DEBUG\tdebugged$", out, "logging: console.debug is DEBUG")
        t.match(prefix + r"INFO\ttwo\rlines$", out, "logging: newlines become \\r, one event")
        t.match(r"^raw stdout$", out, "logging: process.stdout.write is unchanged")


def test_json_logging(t):
    with node_env("logs.structured", extra_env={"AWS_LAMBDA_LOG_FORMAT": "JSON"}) as env:
        rid, res = env.invoke({})
        t.eq(res and res.json(), "structured", "json logs: handler returned", env.stdout())
        lines = [json.loads(l) for l in env.stdout().splitlines() if l.startswith("{")]
        obj = [l for l in lines if isinstance(l.get("message"), dict)]
        t.eq(obj and obj[0]["message"], {"msg": "order placed", "orderId": "42"},
             "json logs: a single object stays an object in message", env.stdout())
        t.eq(obj and (obj[0]["level"], obj[0]["requestId"]), ("INFO", rid),
             "json logs: level and requestId")
        t.match("^%s$" % ISO_MS, obj and obj[0]["timestamp"], "json logs: timestamp")
        warn = [l for l in lines if l.get("level") == "WARN"]
        t.eq(warn and (warn[0]["errorType"], warn[0]["errorMessage"]), ("TypeError", "bad order"),
             "json logs: an Error argument adds errorType and errorMessage")
        t.ok(not any(l.get("level") == "DEBUG" for l in lines),
             "json logs: DEBUG dropped at the default INFO level")
    with node_env("errors.handler", extra_env={"AWS_LAMBDA_LOG_FORMAT": "JSON",
                                               "AWS_LAMBDA_LOG_LEVEL": "ERROR"}) as env:
        rid, res = env.invoke({})
        t.ok(wait_for(lambda: '"errorType":"Error"' in env.stdout()), "json logs: error logged")
        rec = [json.loads(l) for l in env.stdout().splitlines() if '"errorType"' in l]
        t.eq(rec and (rec[0]["level"], rec[0]["message"]["errorMessage"]), ("ERROR", "boom"),
             "json logs: Invoke Error's message is the error object")


def test_node_path_packages(t):
    sdk_dir = os.path.join(NODE, "esm-sdk")
    node_path = {"NODE_PATH": os.path.join(FIXTURES, "node_path", "node_modules")}
    with node_env("cjs.handler", code_dir=sdk_dir, extra_env=node_path) as env:
        _, res = env.invoke({})
        t.eq(res and res.json(), {"hello": "from NODE_PATH"},
             "NODE_PATH: require() finds a package only NODE_PATH holds", env.stdout())
    with node_env("index.handler", code_dir=sdk_dir, extra_env=node_path) as env:
        _, res = env.invoke({})
        t.eq(res and res.json(), {"hello": "from NODE_PATH", "inits": 1},
             "NODE_PATH: an ES module's import finds it too, and init ran once",
             env.stdout() + env.stderr())
    with node_env("missing.handler", code_dir=sdk_dir, extra_env=node_path) as env:
        err = env.api.wait_init_error()
        t.eq(err and err.json()["errorType"], "Runtime.ImportModuleError",
             "NODE_PATH: an import nobody can satisfy is still Runtime.ImportModuleError")
        t.match(r"^Error: Cannot find package 'tutor-package-that-does-not-exist'",
                err and err.json()["errorMessage"], "NODE_PATH: with Node's message")


def test_oversized_response(t):
    with node_env("sized.handler") as env:
        rid, _ = env.invoke({"bytes": 7 * 1024 * 1024}, wait=0)
        t.ok(wait_for(lambda: ("POST", "/2018-06-01/runtime/invocation/%s/response" % rid, 413)
                      in env.api.statuses, 30), "413: a 7 MB response is refused by the API")
        t.ok(rid not in env.api.results, "413: and no result is recorded for it")
        _, res = env.invoke({"bytes": 3})
        t.eq(res and res.json(), "xxx", "413: the client reconnects and serves the next event",
             env.stderr())
        _, res = env.invoke({"bytes": 5 * 1024 * 1024})
        t.eq(res and len(res.json()), 5 * 1024 * 1024, "a 5 MB response goes through")


if __name__ == "__main__":
    if not shutil.which("node"):
        rtlib.skip("no node")
    sys.exit(rtlib.Tap().run([
        test_echo_round_trip, test_context_fields, test_warm_state, test_handler_errors,
        test_callbacks, test_esm, test_init_errors, test_process_faults, test_logging, test_json_logging, test_node_path_packages, test_oversized_response,
    ]))
