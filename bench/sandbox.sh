#!/bin/bash
# What sealing execution environments costs: the same Python and Node.js echo functions on two
# clouds in one run, one from BUILD_DIR and one from a build without the sandbox (BASE_BUILD_DIR,
# for instance main's before it landed), cold starts alternating between them so that the
# machine's load falls on both alike.
#
# For each cold start it prints the round trip and Init Duration (wall time, which a busy machine
# inflates many times over: the run-queue wait of the runtime is printed beside them), and the
# CPU time it took: the runtime's own, the environment's init (sealing it: namespaces, the root,
# pivot_root; the build without a sandbox has none) and the cloud's share. CPU time is what the
# sandbox adds whatever the load. Then an environment whose shell bootstrap exits at once (start,
# seal, exec, end, teardown) and the warm round trip.
# Target (issue 12): a cold start at most 5 ms more, a warm invoke nothing more.
#
#   bench/sandbox.sh BUILD_DIR BASE_BUILD_DIR        COLD=30 cold starts per function and build
# Reading the processes' CPU times needs root or the clouds' own user.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
new=$(cd "${1:?BUILD_DIR}" && pwd)/lambda-tutor
base=$(cd "${2:?BASE_BUILD_DIR}" && pwd)/lambda-tutor
work=$(mktemp -d /tmp/lt-bench-sandbox.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
COLD=${COLD:-30} N=${N:-1000} python3 - "$new" "$base" "$work" "$here/invoke_client.py" \
	"$here/../tests/integration" <<'PY'
import base64, http.client, io, json, os, re, statistics, subprocess, sys, time, zipfile

new, base, work, client, lib = sys.argv[1:6]
sys.path.insert(0, lib)
import cloudlib  # noqa: E402
COLD, N = int(os.environ["COLD"]), int(os.environ["N"])
TICK = os.sysconf("SC_CLK_TCK")


def zipped(files, mode=0o644):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100000 | mode) << 16
            z.writestr(info, data)
    return base64.b64encode(buf.getvalue()).decode()


FUNCTIONS = {
    "echo-py": ("python3.12", "app.handler", zipped({"app.py": "def handler(e, c):\n    return e\n"})),
    "echo-node": ("nodejs22.x", "h.handler", zipped({"h.js": "exports.handler = async (e) => e;\n"})),
    "exit": ("provided.al2023", "none", zipped({"bootstrap": "#!/bin/sh\nexit 0\n"}, 0o755)),
}


class Cloud:
    def __init__(self, name, binary):
        self.name = name
        self.proc = subprocess.Popen([binary, "serve", "--port", "0", "--workspace",
                                      os.path.join(work, name)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for line in iter(self.proc.stderr.readline, b""):
            m = re.search(rb"serving .* on http://([\d.]+):(\d+)", line)
            if m:
                self.host, self.port = m.group(1).decode(), int(m.group(2))
                break
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        self.endpoint = "http://%s:%d" % (self.host, self.port)
        self.keys = cloudlib.learner_keys(os.path.join(work, name))[:2]
        role = self.role()
        for fn, (runtime, handler, code) in FUNCTIONS.items():
            self.call("POST", "/2015-03-31/functions", json.dumps({
                "FunctionName": fn, "Runtime": runtime, "Handler": handler, "MemorySize": 2048,
                "Role": role, "Code": {"ZipFile": code},
                "Environment": {"Variables": {"BENCH_MARK": "%s-%s" % (name, fn)}}}))
        self.health = json.loads(self.call("GET", "/_tutor/health")[1])

    def role(self):
        """The execution role Lambda insists on: a real one trusting Lambda (a build that
        predates IAM takes any role ARN, and is given one)."""
        import boto3
        import botocore.exceptions
        lam = boto3.client("lambda", endpoint_url=self.endpoint, region_name="us-east-1",
                           aws_access_key_id=self.keys[0], aws_secret_access_key=self.keys[1])
        try:
            return cloudlib.role_for(lam, name="bench-role", managed=(
                "service-role/AWSLambdaBasicExecutionRole",))
        except botocore.exceptions.ClientError:
            return "arn:aws:iam::123456789012:role/bench"

    def signed(self, method, path, body=None, headers=None):
        """headers with the request's SigV4 signature, as the Lambda API insists on."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        req = AWSRequest(method=method, url=self.endpoint + path, data=body or b"",
                         headers=dict(headers or {}))
        SigV4Auth(Credentials(*self.keys), "lambda", "us-east-1").add_auth(req)
        return dict(req.headers.items())

    def call(self, method, path, body=None, headers=None):
        return self.send(method, path, body, self.signed(method, path, body, headers))

    def send(self, method, path, body, signed_headers):
        self.conn.request(method, path, body=body, headers=signed_headers)
        r = self.conn.getresponse()
        return r, r.read()

    def cpu_ms(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000.0 / TICK

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def sched_ms(pid):
    """(time on a CPU, time waiting for one) of a process, ms."""
    try:
        with open("/proc/%d/schedstat" % pid) as f:
            on, wait = f.read().split()[:2]
        return int(on) / 1e6, int(wait) / 1e6
    except OSError:
        return float("nan"), float("nan")


def runtime_of(mark):
    """The live runtime process of the environment whose variables carry BENCH_MARK=mark."""
    needle = ("BENCH_MARK=" + mark).encode()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/environ" % entry, "rb") as f:
                    if needle in f.read().split(b"\0"):
                        with open("/proc/%s/stat" % entry) as s:
                            ppid = int(s.read().rsplit(")", 1)[1].split()[1])
                        return int(entry), ppid
            except OSError:
                continue
    return None, None


clouds = [Cloud("sandbox", new), Cloud("without", base)]
samples = {}
for i in range(COLD):
    for cloud in clouds if i % 2 == 0 else clouds[::-1]:
        for fn in ("echo-py", "echo-node"):
            cloud.call("PUT", "/2015-03-31/functions/%s/configuration" % fn,
                       json.dumps({"Description": "cold %d" % i}))
            path = "/2015-03-31/functions/%s/invocations" % fn
            hdrs = cloud.signed("POST", path, b"{}", {"X-Amz-Log-Type": "Tail"})
            cpu0 = cloud.cpu_ms()
            t = time.perf_counter()
            r, _ = cloud.send("POST", path, b"{}", hdrs)
            wall = (time.perf_counter() - t) * 1000
            log = base64.b64decode(r.getheader("X-Amz-Log-Result") or "").decode()
            m = re.search(r"Init Duration: ([0-9.]+) ms", log)
            pid, ppid = runtime_of("%s-%s" % (cloud.name, fn))
            rt_cpu, rt_wait = sched_ms(pid) if pid else (float("nan"),) * 2
            init_cpu = sched_ms(ppid)[0] if ppid and ppid != cloud.proc.pid else 0.0
            samples.setdefault((cloud.name, fn), []).append(
                (wall, float(m.group(1)) if m else float("nan"), rt_wait, rt_cpu, init_cpu,
                 cloud.cpu_ms() - cpu0))
        for _ in range(2):
            path = "/2015-03-31/functions/exit/invocations"
            hdrs = cloud.signed("POST", path, b"{}")
            t = time.perf_counter()
            cloud.send("POST", path, b"{}", hdrs)
            samples.setdefault((cloud.name, "exit"), []).append(
                ((time.perf_counter() - t) * 1000,))


def run(cloud, *args):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=cloud.keys[0], AWS_SECRET_ACCESS_KEY=cloud.keys[1])
    return json.loads(subprocess.run([sys.executable, client, *args], check=True, env=env,
                                     capture_output=True, text=True).stdout)


warm = {}
for cloud in clouds + clouds:
    for fn in ("echo-py", "echo-node"):
        warm.setdefault((cloud.name, fn), []).append(
            run(cloud, "latency", cloud.endpoint, fn, str(N))["median_ms"])
for cloud in clouds:
    cloud.stop()

med = statistics.median
with open("/proc/loadavg") as f:
    load = f.read().split()[0]
print("sealed environments (plan: %s) against a build without them; %d cold starts each, load %s"
      % (clouds[0].health.get("sandbox", {}).get("plan"), COLD, load))
print("%-50s %10s %10s %10s" % ("", "sandbox", "without", "difference"))


def row(label, a, b, unit="ms", fmt="%7.1f"):
    print(("%-50s " + fmt + " %s " + fmt + " %s %+8.2f %s") % (label, a, unit, b, unit, a - b, unit))


for fn, lang in (("echo-py", "Python"), ("echo-node", "Node.js")):
    s, w = samples[("sandbox", fn)], samples[("without", fn)]
    row("%s cold invoke, round trip (median)" % lang, med(x[0] for x in s), med(x[0] for x in w))
    row("%s Init Duration (median)" % lang, med(x[1] for x in s), med(x[1] for x in w))
    row("  of which the runtime waited for a CPU", med(x[2] for x in s), med(x[2] for x in w))
    row("%s cold start CPU: the runtime" % lang, med(x[3] for x in s), med(x[3] for x in w))
    row("  the environment's init (sealing it)", med(x[4] for x in s), med(x[4] for x in w),
        fmt="%7.2f")
    row("  the cloud (mean; its clock ticks are coarse)", statistics.mean(x[5] for x in s),
        statistics.mean(x[5] for x in w), fmt="%7.2f")
s, w = samples[("sandbox", "exit")], samples[("without", "exit")]
row("an environment that exits at once (median)", med(x[0] for x in s), med(x[0] for x in w))
for fn, lang in (("echo-py", "Python"), ("echo-node", "Node.js")):
    row("%s warm invoke (median)" % lang, med(warm[("sandbox", fn)]), med(warm[("without", fn)]),
        fmt="%7.3f")
PY
