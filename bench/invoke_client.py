"""
The load client of bench/invoke.sh: invokes a function through the Lambda REST API on
loopback over keep-alive connections and prints what it measured as JSON.

    invoke_client.py latency ENDPOINT FUNCTION N          one connection, N invokes in a row
    invoke_client.py throughput ENDPOINT FUNCTION SECS C  C processes invoking for SECS seconds
    invoke_client.py cold ENDPOINT FUNCTION N             N cold starts (a config change each)
    invoke_client.py bare N                               N runs of `python3 -c pass`
    invoke_client.py first ENDPOINT FUNCTION              one invoke on a connection already
                                                          open (GetFunction opened it)
    invoke_client.py pair ENDPOINT FUNCTION OTHER N       one connection, N pairs: FUNCTION and
                                                          OTHER in turn (order swapped every
                                                          pair); the median of OTHER's time
                                                          minus FUNCTION's within each pair
                                                          (and every difference, in diffs_us)
    invoke_client.py cpu_pair ENDPOINT FUNCTION OTHER BLOCKS B PID
                                                          one connection, BLOCKS pairs of
                                                          blocks of B invokes, FUNCTION's and
                                                          OTHER's in turn (order swapped every
                                                          pair): the CPU the cloud (PID, all its
                                                          threads) spent per invoke in each
                                                          block, and the median of OTHER's
                                                          minus FUNCTION's within each pair
    invoke_client.py provisioned ENDPOINT FUNCTION K PID  K fresh versions, each with provisioned
                                                          concurrency 1: once READY and after a
                                                          pause, its first invoke; after the
                                                          same pause, a warm one; then warm ones
                                                          in a row. Wall time, the CPU of the
                                                          cloud (PID) and of the environment's
                                                          processes, the cloud's page faults

Bounded: every mode stops after N requests or SECS seconds. Requests are signed (SigV4, the
keys in $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY): each distinct request once, then
replayed, so that the client's signing is not in the times.
"""

import http.client
import json
import multiprocessing
import statistics
import subprocess
import sys
import time
from urllib.parse import urlparse

PAYLOAD = b'{"message":"hello","n":42}'
_signed = {}


def signed(endpoint, method, path, body, headers):
    """headers with the request's SigV4 signature (signed once per distinct request)."""
    key = (method, path, body, tuple(sorted(headers.items())))
    if key not in _signed:
        import os
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        req = AWSRequest(method=method, url=endpoint + path, data=body, headers=headers)
        creds = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
        SigV4Auth(creds, "lambda", "us-east-1").add_auth(req)
        _signed[key] = dict(req.headers.items())
    return _signed[key]


def connect(endpoint):
    u = urlparse(endpoint)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conn.endpoint = endpoint
    conn.connect()
    import socket
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def invoke(conn, function):
    path = "/2015-03-31/functions/%s/invocations" % function
    conn.request("POST", path, body=PAYLOAD, headers=signed(
        conn.endpoint, "POST", path, PAYLOAD, {"Content-Type": "application/json"}))
    r = conn.getresponse()
    body = r.read()
    if r.status != 200 or r.getheader("X-Amz-Function-Error"):
        raise SystemExit("invoke failed: %d %s" % (r.status, body[:200]))
    return body


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def latency(endpoint, function, n):
    conn = connect(endpoint)
    for _ in range(min(200, n)):
        invoke(conn, function)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        invoke(conn, function)
        times.append((time.perf_counter() - t) * 1000)
    return {"n": n, "median_ms": statistics.median(times), "p99_ms": pct(times, 99),
            "mean_ms": statistics.mean(times)}


def pair(endpoint, function, other, n):
    """Two functions invoked in turn, so that a loaded machine's changes reach both alike."""
    conn = connect(endpoint)
    for _ in range(min(200, n)):
        invoke(conn, function)
        invoke(conn, other)
    a, b, diffs = [], [], []
    for i in range(n):
        ta = tb = 0.0
        for f in ((function, other) if i % 2 == 0 else (other, function)):
            t = time.perf_counter()
            invoke(conn, f)
            dt = (time.perf_counter() - t) * 1000
            if f is function:
                ta = dt
            else:
                tb = dt
        a.append(ta)
        b.append(tb)
        diffs.append((tb - ta) * 1000)
    return {"n": n, "median_ms": statistics.median(a), "other_median_ms": statistics.median(b),
            "diff_median_us": statistics.median(diffs),
            "diffs_us": [round(d, 1) for d in diffs]}


def cloud_cpu_ns(pid):
    """The CPU time all the cloud's threads have run, in ns (schedstat: no tick rounding)."""
    import os
    total = 0
    for task in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, task)) as f:
                total += int(f.read().split()[0])
        except OSError:
            pass  # a thread that ended meanwhile
    return total


def cpu_pair(endpoint, function, other, blocks, b, pid):
    """
    The cloud's own CPU per invoke, FUNCTION's and OTHER's blocks in turn: CPU time counts
    what the cloud does for a request and not the wait for a CPU, which a loaded machine
    stretches; the handler's process is not the cloud's and is not counted.
    """
    conn = connect(endpoint)
    for _ in range(min(200, b)):
        invoke(conn, function)
        invoke(conn, other)
    a, o, diffs = [], [], []
    for i in range(blocks):
        per = {}
        for f in ((function, other) if i % 2 == 0 else (other, function)):
            c = cloud_cpu_ns(pid)
            for _ in range(b):
                invoke(conn, f)
            per[f] = (cloud_cpu_ns(pid) - c) / b / 1000.0
        a.append(per[function])
        o.append(per[other])
        diffs.append(per[other] - per[function])
    return {"blocks": blocks, "b": b, "cpu_us": statistics.median(a),
            "other_cpu_us": statistics.median(o), "diffs_us": [round(d, 2) for d in diffs]}


def proc_tree(pid):
    out = [pid]
    import os
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, t)) as f:
                out += [p for c in f.read().split() for p in proc_tree(int(c))]
    except OSError:
        pass
    return out


def minor_faults(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[7])
    except OSError:
        return 0


def provisioned(endpoint, function, k, pid, pause=0.5):
    """
    What a provisioned environment's first invoke costs against a warm one's, on a connection
    already used (its thread and buffers warm): wall time, and what a loaded machine cannot
    stretch, the CPU of the cloud and of the environment's own processes (schedstat) and the
    cloud's page faults. The warm peer comes after the same pause as the first, since a pause
    alone leaves caches cold.
    """
    import boto3
    lam = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1")
    conn = connect(endpoint)
    for _ in range(20):
        invoke(conn, function)

    def timed(q, env):
        c, e, f = cloud_cpu_ns(pid), sum(cloud_cpu_ns(p) for p in env), minor_faults(pid)
        t = time.perf_counter()
        invoke(conn, q)
        ms = (time.perf_counter() - t) * 1000
        return (ms, (cloud_cpu_ns(pid) - c) / 1e6,
                (sum(cloud_cpu_ns(p) for p in env) - e) / 1e6, minor_faults(pid) - f)

    first, paused, warm = [], [], []
    for i in range(k):
        lam.update_function_configuration(FunctionName=function,
                                          Description="provisioned %d %f" % (i, time.time()))
        lam.get_waiter("function_updated").wait(FunctionName=function)
        v = lam.publish_version(FunctionName=function)["Version"]
        before = set(proc_tree(pid))
        lam.put_provisioned_concurrency_config(FunctionName=function, Qualifier=v,
                                               ProvisionedConcurrentExecutions=1)
        while lam.get_provisioned_concurrency_config(
                FunctionName=function, Qualifier=v)["Status"] != "READY":
            time.sleep(0.05)
        env = [p for p in proc_tree(pid) if p not in before]
        q = "%s:%s" % (function, v)
        signed(endpoint, "POST", "/2015-03-31/functions/%s/invocations" % q, PAYLOAD,
               {"Content-Type": "application/json"})
        time.sleep(pause)
        first.append(timed(q, env))
        time.sleep(pause)
        paused.append(timed(q, env))
        warm += [timed(q, env) for _ in range(5)]
        lam.delete_provisioned_concurrency_config(FunctionName=function, Qualifier=v)
        lam.delete_function(FunctionName=function, Qualifier=v)

    def med(rows):
        return {name: statistics.median(r[j] for r in rows)
                for j, name in enumerate(("ms", "cloud_cpu_ms", "env_cpu_ms", "cloud_faults"))}
    return {"k": k, "first": med(first), "paused_warm": med(paused), "warm": med(warm)}


def worker(args):
    endpoint, function, secs = args
    conn = connect(endpoint)
    invoke(conn, function)
    count = 0
    end = time.perf_counter() + secs
    while time.perf_counter() < end:
        invoke(conn, function)
        count += 1
    return count


def throughput(endpoint, function, secs, clients):
    with multiprocessing.Pool(clients) as pool:
        t = time.perf_counter()
        counts = pool.map(worker, [(endpoint, function, secs)] * clients)
        elapsed = time.perf_counter() - t
    return {"clients": clients, "seconds": secs, "invocations": sum(counts),
            "per_second": sum(counts) / secs, "wall": elapsed}


def cold(endpoint, function, n):
    conn = connect(endpoint)
    times, inits = [], []
    for i in range(n):
        body = json.dumps({"Description": "cold start %d %f" % (i, time.time())}).encode()
        path = "/2015-03-31/functions/%s/configuration" % function
        conn.request("PUT", path, body=body, headers=signed(
            endpoint, "PUT", path, body, {"Content-Type": "application/json"}))
        r = conn.getresponse()
        r.read()
        t = time.perf_counter()
        path = "/2015-03-31/functions/%s/invocations" % function
        hdrs = signed(endpoint, "POST", path, PAYLOAD, {"X-Amz-Log-Type": "Tail"})
        conn.request("POST", path, body=PAYLOAD, headers=hdrs)
        r = conn.getresponse()
        r.read()
        times.append((time.perf_counter() - t) * 1000)
        import base64
        import re
        log = base64.b64decode(r.getheader("X-Amz-Log-Result") or "").decode()
        m = re.search(r"Init Duration: ([0-9.]+) ms", log)
        if m:
            inits.append(float(m.group(1)))
    return {"n": n, "median_ms": statistics.median(times),
            "init_median_ms": statistics.median(inits) if inits else None}


def first(endpoint, function):
    """One invoke, timed alone: the connection is opened and used by a GetFunction first."""
    conn = connect(endpoint)
    name = function.split(":")[0]
    path = "/2015-03-31/functions/%s" % name
    conn.request("GET", path, headers=signed(endpoint, "GET", path, b"", {}))
    conn.getresponse().read()
    path = "/2015-03-31/functions/%s/invocations" % function
    hdrs = signed(endpoint, "POST", path, PAYLOAD, {"X-Amz-Log-Type": "Tail"})
    t = time.perf_counter()
    conn.request("POST", path, body=PAYLOAD, headers=hdrs)
    r = conn.getresponse()
    r.read()
    ms = (time.perf_counter() - t) * 1000
    import base64
    log = base64.b64decode(r.getheader("X-Amz-Log-Result") or "").decode()
    return {"ms": ms, "status": r.status, "init_duration": "Init Duration" in log}


def bare(n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(["/usr/bin/python3", "-c", "pass"], check=True)
        times.append((time.perf_counter() - t) * 1000)
    return {"n": n, "median_ms": statistics.median(times)}


def main():
    mode = sys.argv[1]
    if mode == "latency":
        out = latency(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif mode == "throughput":
        out = throughput(sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]))
    elif mode == "cold":
        out = cold(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif mode == "bare":
        out = bare(int(sys.argv[2]))
    elif mode == "first":
        out = first(sys.argv[2], sys.argv[3])
    elif mode == "pair":
        out = pair(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif mode == "provisioned":
        out = provisioned(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    elif mode == "cpu_pair":
        out = cpu_pair(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]),
                       int(sys.argv[6]), int(sys.argv[7]))
    else:
        raise SystemExit(__doc__)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
