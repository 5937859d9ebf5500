# What the benchmarks that start a cloud share, sourced after `set -eu`:
#
#	. "$(dirname "$0")/lib.sh"
#	bench_tmp NAME          scratch folder $tmp (/tmp/bench-NAME.XXXXXX); on exit the cloud
#	                        bench_serve started and the peer server whose process the script
#	                        put in peer_pid (moto) are stopped, and $tmp removed
#	bench_serve TUTOR WS    TUTOR's cloud for the workspace WS on a free port, its log in
#	                        $tmp/serve.log; returns once it answers, with serve_pid, port
#	                        (its HTTP port) and cloud_pid (the cloud's own process) set
#
# POSIX sh: the scripts run under /bin/sh or bash. Messages name the script ("bench/ssm.sh").

bench_name="bench/$(basename "$0")"

bench_cleanup() {
	[ -n "$serve_pid" ] && kill -TERM "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
	[ -n "$peer_pid" ] && kill -TERM "$peer_pid" 2>/dev/null && wait "$peer_pid" 2>/dev/null
	rm -rf "$tmp"
}

bench_tmp() {
	tmp=$(mktemp -d "/tmp/bench-$1.XXXXXX")
	serve_pid=
	peer_pid=
	trap bench_cleanup EXIT INT TERM
}

bench_serve() {
	"$1" serve --workspace "$2" --port 0 >"$tmp/serve.log" 2>&1 &
	serve_pid=$!
	bench_i=0
	until [ -s "$2/.cloud/lock" ] && port=$(awk '{print $2}' "$2/.cloud/lock") &&
		curl -sf "http://127.0.0.1:$port/_tutor/health" >/dev/null 2>&1; do
		bench_i=$((bench_i + 1))
		[ $bench_i -lt 200 ] || { echo "$bench_name: the cloud did not start" >&2; exit 1; }
		sleep 0.05
	done
	cloud_pid=$(awk '{print $1}' "$2/.cloud/lock")
}
