#!/bin/sh
# Time `lambda-tutor check` of module 1's hello-world exercise with the Python reference
# solution: zip, deploy to a fresh account, three invocations, judge, record. Beside it, in
# the same run, lambda-local (npm) invoking one Node.js handler once. Then the watch-mode
# latency: from saving a file to the verdict printed.
#
#   bench/check.sh [BUILD_DIR]        (default: build)
#
# Targets (issue 4, DESIGN.md): check median <= 150 ms; save to result in watch mode
# <= 300 ms. lambda-local takes about 380 ms for one invocation.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
tutor=$build/lambda-tutor
runs=${RUNS:-20}

die() {
	echo "bench/check.sh: $*" >&2
	exit 2
}
[ -x "$tutor" ] || die "no $tutor; build first (meson setup build && meson compile -C build)"
command -v hyperfine >/dev/null || die "hyperfine is missing (apt-get install hyperfine)"
command -v python3 >/dev/null || die "python3 is missing"

tmp=$(mktemp -d /tmp/bench-check.XXXXXX)
serve_pid=
watch_pid=
cleanup() {
	[ -n "$watch_pid" ] && kill -INT "$watch_pid" 2>/dev/null && wait "$watch_pid" 2>/dev/null
	[ -n "$serve_pid" ] && kill -TERM "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
export LAMBDA_TUTOR_DB="$tmp/learner.db" LAMBDA_TUTOR_COURSE="$root/lessons" NO_COLOR=1
ws=$tmp/ws
mkdir -p "$ws"
"$tutor" serve --workspace "$ws" --port 0 >"$tmp/serve.log" 2>&1 &
serve_pid=$!
i=0
until [ -s "$ws/.cloud/lock" ] && "$tutor" env --workspace "$ws" --no-start >/dev/null 2>&1 &&
	curl -sf "http://127.0.0.1:$(awk '{print $2}' "$ws/.cloud/lock")/_tutor/health" >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 200 ] || die "the cloud did not start: $(cat "$tmp/serve.log")"
	sleep 0.05
done

ref=$root/tests/solutions/hello-world/python/reference
cmd="$tutor check hello-world --workspace $ws --dir $ref"
$cmd >/dev/null 2>&1 || die "the reference does not pass: run '$cmd' to see why"

peer=$here/node_modules/.bin/lambda-local
cat >"$tmp/index.js" <<'JS'
exports.handler = async (event, context) => ({
  statusCode: 200,
  body: JSON.stringify({ message: `Hello, ${event.name ?? "World"}!`, requestId: context.awsRequestId }),
});
JS
echo '{"name": "Ada"}' >"$tmp/event.json"
set -- -n "lambda-tutor check hello-world (deploy + 3 invokes)" "$cmd"
if [ -x "$peer" ] && "$peer" -l "$tmp/index.js" -h handler -e "$tmp/event.json" >/dev/null 2>&1; then
	set -- "$@" -n "lambda-local: 1 invoke" "$peer -l $tmp/index.js -h handler -e $tmp/event.json"
else
	echo "(lambda-local is not installed in bench/node_modules: npm ci --prefix bench)"
fi
hyperfine -N --warmup 3 --runs "$runs" --export-json "$tmp/check.json" "$@" >/dev/null

# Watch mode: copy the file back and forth, time until the verdict line appears.
work=$ws/hello-world
mkdir -p "$work"
cp "$ref/lambda_function.py" "$work/"
"$tutor" check hello-world --workspace "$ws" --watch >"$tmp/watch.out" 2>&1 &
watch_pid=$!
python3 - "$work/lambda_function.py" "$tmp/watch.out" "$tmp/watch.json" <<'PY'
import json, sys, time
src, out, res = sys.argv[1:]
def lines():
    with open(out, errors="replace") as f:
        return f.read().count("tasks pass")
deadline = time.time() + 20
while lines() < 1 and time.time() < deadline:
    time.sleep(0.01)
code = open(src).read()
samples = []
for i in range(10):
    seen = lines()
    t0 = time.monotonic()
    with open(src, "w") as f:
        f.write(code + f"\n# save {i}\n")
    while lines() == seen and time.monotonic() - t0 < 10:
        time.sleep(0.002)
    samples.append((time.monotonic() - t0) * 1000)
    time.sleep(0.3)
json.dump(samples, open(res, "w"))
PY

python3 - "$tmp/check.json" "$tmp/watch.json" <<'PY'
import json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
watch = json.load(open(sys.argv[2]))
print(f"{'':52} {'median':>10} {'mean ± sd':>20}")
for r in results:
    print(f"{r['command']:52} {r['median']*1000:8.1f} ms {r['mean']*1000:9.1f} ± {r['stddev']*1000:5.1f} ms")
ours = results[0]["median"] * 1000
wm = statistics.median(watch)
print(f"{'watch: save to verdict (10 saves)':52} {wm:8.1f} ms  (max {max(watch):.1f} ms)")
print(f"check: {'meets' if ours <= 150 else 'MISSES'} the 150 ms target; "
      f"watch: {'meets' if wm <= 300 else 'MISSES'} the 300 ms target")
if len(results) > 1:
    peer = results[1]["median"] * 1000
    print(f"a whole check (deploy + 3 invokes) takes {ours/peer:.2f}x the time of "
          f"lambda-local's single invocation")
PY
