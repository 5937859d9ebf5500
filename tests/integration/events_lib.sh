# Shared by the async_, sqs_, sns_ and esm_ tests (after cloud_lib.sh): the virtual clock,
# waiting for what happens in the background, and reading JSON.
PY=/usr/bin/python3

# advance SECONDS: step the learner's account's virtual clock.
advance() {
	ctl "/_tutor/clock/advance?seconds=$1" -f -X POST >/dev/null
}
# settled: wait until the account (ACCT) has no invocation in flight, no asynchronous event
# leased or due on its clock and no event source mapping with work (the cloud's settle control).
settled() {
	ctl "/_tutor/settle?account=$ACCT" -f -X POST | grep -q '"settled":true'
}
# json_get KEY: a top-level string or number of the JSON on stdin.
json_get() {
	$PY -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"
}
# json_py JSON CODE: run CODE with d = the parsed JSON.
json_py() {
	$PY -c 'import json,sys; d=json.loads(sys.argv[1]); exec(sys.argv[2])' "$1" "$2"
}
# wait_until DESCRIPTION COMMAND...: poll (up to 60 s of real time) until COMMAND succeeds.
# With WAIT_SETTLES=1 (a test whose waits are all for work to end, none for a moment in the
# middle of it), the cloud's settle control is asked first, so that the condition usually holds
# at its first try instead of starting a CLI every 100 ms until it does.
wait_until() {
	desc=$1
	shift
	[ "${WAIT_SETTLES:-}" != 1 ] || settled
	i=0
	while [ $i -lt 600 ]; do
		if "$@" >/dev/null 2>&1; then
			ok 0 "$desc"
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	ok 1 "$desc"
	# What the condition saw last, so that a failure says why.
	"$@" 2>&1 | sed 's/^/# last try: /'
	return 1
}
# output_is WANT COMMAND...: the command, run now, prints exactly WANT (a condition for
# wait_until, which runs it again on every try; "$(command)" as an argument would be run once).
output_is() {
	want=$1
	shift
	got=$("$@") || return 1
	printf '%s\n' "$got"
	[ "$got" = "$want" ]
}
# output_has NEEDLE COMMAND...: the command, run now, prints NEEDLE somewhere.
output_has() {
	needle=$1
	shift
	got=$("$@") || return 1
	printf '%s\n' "$got"
	case $got in *"$needle"*) return 0 ;; esac
	return 1
}
# attempt_count FUNCTION: how many times the function ran (its START lines).
attempt_count() {
	awsl logs filter-log-events --log-group-name "/aws/lambda/$1" \
		--filter-pattern '"START RequestId"' --query 'length(events)' --output text 2>/dev/null ||
		echo 0
}
attempts_are() { [ "$(attempt_count "$1")" = "$2" ]; }
# attempts_with_id FUNCTION REQUEST-ID N: N attempts ran under that request id.
attempts_with_id() {
	[ "$(awsl logs filter-log-events --log-group-name "/aws/lambda/$1" \
		--filter-pattern "\"START RequestId: $2\"" --query 'length(events)' --output text)" = "$3" ]
}
# attempts_match FUNCTION N COUNT: COUNT attempts failed on the poison event {"n": N}.
attempts_match() {
	m=$(awsl logs filter-log-events --log-group-name "/aws/lambda/$1" \
		--query 'events[].message' --output json | $PY -c '
import json, sys
print(sum(1 for m in json.load(sys.stdin) if m.startswith("[ERROR]") and ("cannot digest %s" % sys.argv[1]) in m))' "$2")
	[ "$m" = "$3" ]
}
# queue_count NAME: ApproximateNumberOfMessages (visible) of a queue.
queue_count() {
	awsl sqs get-queue-attributes --queue-url "$E/$ACCT/$1" \
		--attribute-names ApproximateNumberOfMessages \
		--query 'Attributes.ApproximateNumberOfMessages' --output text
}
queue_has() { [ "$(queue_count "$1")" -gt 0 ]; }
queue_empty() { [ "$(queue_count "$1")" = 0 ]; }
