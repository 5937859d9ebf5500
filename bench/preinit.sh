#!/bin/bash
# What pre-initialised Python interpreters save: two clouds of the same build side by side, one
# forking Python environments from its zygote, one starting each fresh (LAMBDA_TUTOR_PREINIT=off),
# and runs alternating between them:
#   - `lambda-tutor check` of hello-world (no SDK) and of csv-summary (boto3, S3), reference
#     solutions, each check a fresh account and so a cold start per function
#   - cold invokes of a Python echo handler and of one that imports boto3 and makes an S3
#     client at init (2,048 MB: a whole vCPU), round trip and the REPORT line's Init Duration
#
#   bench/preinit.sh [BUILD_DIR]        RUNS=5 (checks), COLD=10 (cold invokes), EXS="..."
# Target (issue 17): every exercise's check median <= 1 s, hello-world <= 60 ms, on a quiet
# 2-core machine; the ratios are what this change gains.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$(cd "${1:-$root/build}" && pwd)
tutor=$build/lambda-tutor
RUNS=${RUNS:-5}
COLD=${COLD:-10}
EXS=${EXS:-hello-world csv-summary}

die() {
	echo "bench/preinit.sh: $*" >&2
	exit 2
}
[ -x "$tutor" ] || die "no $tutor; build first"
tmp=$(mktemp -d /tmp/bench-preinit.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
export LAMBDA_TUTOR_DB="$tmp/learner.db" LAMBDA_TUTOR_COURSE="$root/lessons" NO_COLOR=1
for mode in on off; do
	mkdir -p "$tmp/ws-$mode"
	LAMBDA_TUTOR_PREINIT=$mode "$tutor" serve --workspace "$tmp/ws-$mode" --port 0 \
		>"$tmp/serve-$mode.log" 2>&1 &
	pids+=($!)
done
health() { # MODE
	curl -sf --unix-socket "$tmp/ws-$1/.cloud/control.sock" http://cloud/_tutor/health
}
for _ in $(seq 600); do
	health on 2>/dev/null | grep -Eq '"python":[[:space:]]*"ready"' && health off >/dev/null 2>&1 && break
	sleep 0.1
done
health on | grep -Eq '"python":[[:space:]]*"ready"' || die "the zygote is not ready: $(cat "$tmp/serve-on.log")"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { python3 -c "import sys; print('%.2fx' % (float(sys.argv[1]) / float(sys.argv[2])))" "$@"; }

for ex in $EXS; do
	ref=$root/tests/solutions/$ex/python/reference
	declare -A t=([on]="" [off]="")
	for mode in on off; do
		"$tutor" check "$ex" --workspace "$tmp/ws-$mode" --dir "$ref" >/dev/null 2>&1 ||
			die "$ex does not pass against the cloud with preinit=$mode"
	done
	for _ in $(seq "$RUNS"); do
		for mode in on off; do
			s=$(date +%s%N)
			"$tutor" check "$ex" --workspace "$tmp/ws-$mode" --dir "$ref" >/dev/null 2>&1
			t[$mode]+="$((($(date +%s%N) - s) / 1000000)) "
		done
	done
	on=$(echo "${t[on]}" | median)
	off=$(echo "${t[off]}" | median)
	printf '%-44s %6s ms  fresh %6s ms  %s\n' "check $ex (median of $RUNS), forked" "$on" "$off" \
		"$(ratio "$on" "$off")"
	unset t
done

# Cold invokes through boto3, against the two clouds in turn.
python3 - "$tmp" "$COLD" <<'PY'
import base64, configparser, io, json, os, re, statistics, sys, time, zipfile
import boto3
tmp, n = sys.argv[1], int(sys.argv[2])
def client(mode):
    ws = os.path.join(tmp, "ws-" + mode, ".cloud")
    port = open(os.path.join(ws, "lock")).read().split()[1]
    cred = {}
    for line in open(os.path.join(ws, "credentials")):
        k, _, v = line.partition("=")
        cred[k.strip()] = v.strip()
    s = boto3.session.Session(aws_access_key_id=cred["aws_access_key_id"],
                              aws_secret_access_key=cred["aws_secret_access_key"],
                              region_name="us-east-1")
    ep = "http://127.0.0.1:%s" % port
    return s.client("lambda", endpoint_url=ep), s.client("iam", endpoint_url=ep), cred["aws_account_id"]
SRC = {"echo": "def handler(e, c):\n    return e\n",
       "boto3": "import boto3\ns3 = boto3.client('s3')\n\ndef handler(e, c):\n"
                "    return len(s3.list_buckets()['Buckets'])\n"}
def zipped(src):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("app.py", src)
    return b.getvalue()
clients = {}
for mode in ("on", "off"):
    lam, iam, acct = client(mode)
    iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"Service": "lambda.amazonaws.com"}}]}))
    iam.attach_role_policy(RoleName="bench", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    for kind, src in SRC.items():
        lam.create_function(FunctionName=kind, Runtime="python3.12", Handler="app.handler",
                            MemorySize=2048, Role="arn:aws:iam::%s:role/bench" % acct,
                            Code={"ZipFile": zipped(src)})
    clients[mode] = lam
res = {(k, m): ([], []) for k in SRC for m in clients}
for i in range(n):
    for kind in SRC:
        for mode, lam in clients.items():
            lam.update_function_configuration(FunctionName=kind, Description="cold %d" % i)
            while lam.get_function_configuration(FunctionName=kind)["LastUpdateStatus"] != "Successful":
                time.sleep(0.01)
            t = time.perf_counter()
            r = lam.invoke(FunctionName=kind, LogType="Tail")
            r["Payload"].read()
            res[kind, mode][0].append((time.perf_counter() - t) * 1000)
            m = re.search(r"Init Duration: ([0-9.]+) ms", base64.b64decode(r["LogResult"]).decode())
            res[kind, mode][1].append(float(m.group(1)) if m else float("nan"))
for kind in SRC:
    on, off = res[kind, "on"], res[kind, "off"]
    print("%-44s %6.0f ms  fresh %6.0f ms  %.2fx  (Init Duration %.0f ms, fresh %.0f ms)" % (
        "cold invoke, Python %s (median of %d), forked" % (kind, n),
        statistics.median(on[0]), statistics.median(off[0]),
        statistics.median(on[0]) / statistics.median(off[0]),
        statistics.median(on[1]), statistics.median(off[1])))
PY
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
