#!/bin/sh
# The cost of IAM's authorization of a handler's SDK call: one decision of the policy evaluator
# on an execution role of 10 statements (parsed once, as the cloud caches it per role), allowed,
# implicitly denied and explicitly denied, beside the SigV4 verification every signed request
# already pays (bench-sigv4-verify), run in the same script on the same machine.
#
#   bench/iam_eval.sh [BUILD_DIR]        (default: build)
#
# Target (issue 15): <= 20 us a decision. Times are CPU time (the process's).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build}
n=${RUNS:-20000}
die() {
	echo "bench/iam_eval.sh: $*" >&2
	exit 2
}
for b in bench-iam-eval bench-sigv4-verify; do
	[ -x "$build/bench/$b" ] || die "no $build/bench/$b; build first (meson compile -C build)"
done
out=$("$build/bench/bench-iam-eval" "$n") || die "the evaluator benchmark failed"
peer=$("$build/bench/bench-sigv4-verify" "$n" verify) || die "the SigV4 benchmark failed"
get() { echo "$1" | awk -v k="$2" '$1 == k {print $2}'; }
verify=$(get "$peer" verify_200B_us)
printf 'IAM policy evaluation, %s decisions; %s cores, load %s\n' "$n" "$(nproc)" \
	"$(cut -d' ' -f1 /proc/loadavg)"
printf '%-52s %10s %12s\n' "" "us (CPU)" "x SigV4"
for k in allow_us implicit_deny_us explicit_deny_us parse_us; do
	v=$(get "$out" $k)
	case $k in
	allow_us) what="allowed (the role's last statement)" ;;
	implicit_deny_us) what="denied, no statement allows" ;;
	explicit_deny_us) what="denied by a Deny statement" ;;
	parse_us) what="parsing the role's policy (once per role change)" ;;
	esac
	printf '%-52s %10s %12s\n' "$what" "$v" "$(awk -v a="$v" -v b="$verify" 'BEGIN{printf "%.2f", a/b}')"
done
printf '%-52s %10s\n' "peer: SigV4 verification, 200-byte body" "$verify"
worst=$(get "$out" allow_us)
awk -v w="$worst" 'BEGIN{exit !(w <= 20)}' && echo "target <= 20 us a decision: met" ||
	echo "target <= 20 us a decision: NOT met ($worst us)"
