"""The local cloud's answers compared with AWS's own, as recorded against AWS.

Each file in cases/ holds one service's cases: a request (after some setup requests), and the
stable parts of the answer AWS gave to it (HTTP status, error code, message, the extra error
fields such as Lambda's `Type`, response keys, enumerated values). Each case is named after
the recording it comes from: the test file and test name of LocalStack's `aws.validated`
tests, whose `*.snapshot.json` beside them hold AWS's responses, and the snapshot key.

A case that does not pass yet carries "xfail": the reason. The run is TAP; it fails when a
case regresses or when a case listed as an expected failure passes (remove it from the list).
The last lines say, per service, how many recorded cases pass.

Usage: conformance.py LAMBDA_TUTOR CASES_DIR [SERVICE...]
"""

import base64
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

import cloudlib  # noqa: E402

REGION = "us-east-1"

HANDLER = "def handler(event, context):\n    return {'ok': True}\n"


class Cloud(cloudlib.Cloud):
    """A cloud on port 0: the kernel picks a free port, the control socket says which."""

    def start(self, timeout=60):
        self.proc = cloudlib.subprocess.Popen(
            [self.binary, "serve", "--workspace", self.workspace, "--port", "0"],
            stdin=cloudlib.subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            env=self.env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                h = self.health()
                self.account = h["account"]
                self.port = h["port"]
                self.keys = cloudlib.learner_keys(self.workspace)[:2]
                self.port_health()
                return False
            except (OSError, ValueError, KeyError):
                time.sleep(0.05)
        raise RuntimeError("the cloud did not start:\n" + self.log_tail())


class Run:
    def __init__(self, cloud):
        self.cloud = cloud
        self.clients = {}
        self.vars = {}
        self.protocol = None

    def client(self, name):
        if name not in self.clients:
            import boto3
            from botocore.config import Config
            # No client-side checks: the cloud's answer to what AWS is sent is the point.
            cfg = Config(parameter_validation=False, retries={"max_attempts": 1},
                         read_timeout=60, connect_timeout=10)
            self.clients[name] = boto3.client(
                name, endpoint_url=self.cloud.endpoint, region_name=REGION,
                aws_access_key_id=self.cloud.keys[0],
                aws_secret_access_key=self.cloud.keys[1], config=cfg)
        return self.clients[name]

    def subst(self, v):
        if isinstance(v, str):
            if v == "@zip":
                return cloudlib.zip_files({"index.py": HANDLER})
            if v.startswith("@bytes:"):
                return v[len("@bytes:"):].encode()
            if v.startswith("@var-bytes:"):  # a saved blob (KMS's CiphertextBlob)
                return base64.b64decode(self.vars[v[len("@var-bytes:"):]])
            if v.startswith("@now"):  # @now or @now-MS: a timestamp in milliseconds
                return int(time.time() * 1000) - int(v[len("@now-"):] or 0)
            if v.startswith("@time"):  # @time or @time+S: a date S seconds from now
                import datetime
                return (datetime.datetime.now(datetime.timezone.utc) +
                        datetime.timedelta(seconds=int(v[len("@time+"):] or 0)))
            for k, val in self.vars.items():
                v = v.replace("{" + k + "}", val)
            if v.startswith("@repeat:"):  # @repeat:N:text
                _, n, text = v.split(":", 2)
                return text * int(n)
            if "@@repeat:" in v:  # @@repeat:N:c@@ inside a longer text
                import re
                v = re.sub(r"@@repeat:(\d+):(.)@@", lambda m: m.group(2) * int(m.group(1)), v)
            return v
        if isinstance(v, list):
            return [self.subst(x) for x in v]
        if isinstance(v, dict):
            return {k: self.subst(x) for k, x in v.items()}
        return v

    def call(self, service, step):
        """(HTTP status, parsed response) of one operation; errors are answers too."""
        from botocore.exceptions import ClientError
        c = self.client(step.get("client", service))
        try:
            r = getattr(c, step["op"])(**self.subst(step.get("args", {})))
        except ClientError as e:
            r = e.response
        r = dict(r)
        status = r.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if "Body" in r and hasattr(r["Body"], "read"):
            r["Body"] = r["Body"].read()
        if "Payload" in r and hasattr(r["Payload"], "read"):
            r["Payload"] = r["Payload"].read()
        return status, r


def saved(value):
    """A saved answer's value as a variable: text, blobs in base64."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    return str(value)


def dig(obj, path):
    for part in path.split("."):
        if isinstance(obj, list):
            obj = obj[int(part)]
        elif isinstance(obj, dict) and part in obj:
            obj = obj[part]
        else:
            return "<absent>"
    return obj


def compare(run, expect, status, resp):
    """What differs from the recorded answer: a list of one-line descriptions."""
    diffs = []
    expect = run.subst(expect)
    err = resp.get("Error", {})
    if "status" in expect and status != expect["status"]:
        diffs.append("status %s, AWS %s" % (status, expect["status"]))
    if "code" in expect and err.get("Code") != expect["code"]:
        diffs.append("code %r, AWS %r" % (err.get("Code"), expect["code"]))
    message = expect.get("message")
    if "message_query" in expect and run.protocol == "query":
        message = expect["message_query"]  # AWS words some errors per protocol
    if message is not None and err.get("Message") != message:
        diffs.append("message %r, AWS %r" % (err.get("Message"), message))
    if "message_starts" in expect and not str(err.get("Message", "")).startswith(
            expect["message_starts"]):
        diffs.append("message %r, AWS's begins %r" % (err.get("Message"),
                                                      expect["message_starts"]))
    for k, v in expect.get("error_fields", {}).items():
        if err.get(k) != v:
            diffs.append("error field %s %r, AWS %r" % (k, err.get(k), v))
    for k, v in expect.get("fields", {}).items():
        if resp.get(k) != v:
            diffs.append("field %s %r, AWS %r" % (k, resp.get(k), v))
    for k in expect.get("keys", []):
        if dig(resp, k) == "<absent>":
            diffs.append("key %s absent" % k)
    for k, v in expect.get("values", {}).items():
        got = dig(resp, k)
        if got != v:
            diffs.append("%s %r, AWS %r" % (k, got, v))
    return diffs


def run_case(run, service, case):
    run.vars["uniq"] = case["_uniq"]
    for step in case.get("setup", []):
        status, resp = run.call(service, step)
        if status is None or status >= 300:
            if not step.get("may_fail"):
                return ["setup %s: %s %s" % (step["op"], status,
                                             resp.get("Error", {}).get("Message"))]
        for name, path in step.get("save", {}).items():
            run.vars[name] = saved(dig(resp, path))
    status, resp = run.call(service, case["call"])
    run.protocol = run.client(case["call"].get("client", service)).meta.service_model.protocol
    return compare(run, case["expect"], status, resp)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, cases_dir = sys.argv[1], sys.argv[2]
    only = set(sys.argv[3:])
    try:
        import boto3  # noqa: F401
    except ImportError:
        print("1..0 # SKIP this python3 has no boto3")
        return 0
    files = sorted(f for f in os.listdir(cases_dir) if f.endswith(".json"))
    suites = []
    for f in files:
        with open(os.path.join(cases_dir, f)) as fh:
            s = json.load(fh)
        if not only or s["service"] in only:
            suites.append(s)
    total = sum(len(s["cases"]) for s in suites)
    print("1..%d" % total)
    n = 0
    failed = 0
    summary = []
    cloud = Cloud(binary, prefix="lt-conformance-")
    try:
        cloud.start()
        run = Run(cloud)
        run.vars.update(account=cloud.account, region=REGION,
                        role=cloudlib.role_for(run.client("lambda")))
        for s in suites:
            service = s["service"]
            passing = 0
            run.vars.update(s.get("vars", {}))
            for i, step in enumerate(s.get("fixtures", [])):
                status, resp = run.call(s.get("client", service), step)
                if status is None or status >= 300:
                    print("# %s fixture %d (%s) failed: %s %s" % (
                        service, i, step["op"], status, resp.get("Error")))
                for name, path in step.get("save", {}).items():
                    run.vars[name] = saved(dig(resp, path))
            for idx, case in enumerate(s["cases"]):
                n += 1
                case["_uniq"] = "c%d%s" % (idx, service.replace("-", ""))
                try:
                    diffs = run_case(run, s.get("client", service), case)
                except Exception as e:  # a crash of the client is a difference too
                    diffs = ["%s: %s" % (type(e).__name__, e)]
                name = "%s: %s" % (service, case["name"])
                xfail = case.get("xfail")
                if not diffs:
                    passing += 1
                    if xfail:
                        failed += 1
                        print("not ok %d - %s: listed as an expected failure (%s) but now "
                              "passes; take it off the list" % (n, name, xfail))
                    else:
                        print("ok %d - %s" % (n, name))
                elif xfail:
                    print("not ok %d - %s # TODO %s" % (n, name, xfail))
                    for d in diffs:
                        print("#   %s" % d)
                else:
                    failed += 1
                    print("not ok %d - %s" % (n, name))
                    for d in diffs:
                        print("#   %s" % d)
            summary.append("# %s: passing %d of %d" % (service, passing, len(s["cases"])))
    finally:
        cloud.stop(timeout=20)
        cloud.cleanup()
    for line in summary:
        print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
