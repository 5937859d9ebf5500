#!/bin/sh
# Power tuning from the console: P asks for the memory sizes (refusing one Lambda refuses),
# runs the function's copy at each with the last test event while the screen shows progress,
# then shows the table, duration and cost against memory and the recommended size, as
# `lambda-tutor tune` prints them; the copy is gone afterwards. Its own workspace and cloud.
. "$(dirname "$0")/lib.sh"
WS="$E2E_TMP/ws"
REAL_TUTOR=$TUTOR
cat >"$E2E_TMP/tutor" <<EOF2
#!/bin/sh
exec '$REAL_TUTOR' console --workspace '$WS'
EOF2
chmod +x "$E2E_TMP/tutor"
TUTOR="$E2E_TMP/tutor"
stop_cloud() {
	[ -s "$WS/.cloud/lock" ] && kill -TERM "$(awk '{print $1}' "$WS/.cloud/lock")" 2>/dev/null
	e2e_cleanup
}
trap stop_cloud EXIT INT TERM
# Wait up to $2 tenths of a second (default 300) for $1.
wait_long() {
	i=0
	while [ $i -lt "${2:-300}" ]; do
		e2e_capture | grep -qF -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	e2e_fail "waited $((${2:-300} / 10)) s for: $1"
}

e2e_start
wait_long "Functions (0)"
e2e_keys c
e2e_wait "New function"
e2e_keys "sized python" Enter
wait_long "Function: sized"
e2e_keys t
e2e_wait "API Gateway AWS Proxy"
e2e_keys 2
wait_long "Hello from Lambda!"

# A size Lambda refuses is refused before anything runs.
e2e_keys P
e2e_wait "Power tuning at memory sizes"
e2e_keys "64,256" Enter
e2e_wait "outside Lambda's 128-10240 MB"
e2e_keys P
e2e_keys "1024,128" Enter
wait_long "power tuning sized at 2 memory sizes"
wait_long "Recommended (balanced)" 1200
e2e_wait "power tuning of sized done"
e2e_keys g
e2e_wait "Power tuning (P runs it again)"
e2e_wait "Duration against memory"
e2e_capture | grep -qE '^ +\*? +128 MB +[0-9.]+ ms' || e2e_fail "no row for 128 MB"
e2e_capture | grep -qE '^ +\*? +1024 MB +[0-9.]+ ms' || e2e_fail "no row for 1024 MB"

# The copy is deleted, the function keeps its memory.
port=$(awk '{print $2}' "$WS/.cloud/lock")
AWS_ACCESS_KEY_ID=$(awk '$1 == "aws_access_key_id" {print $3}' "$WS/.cloud/credentials")
AWS_SECRET_ACCESS_KEY=$(awk '$1 == "aws_secret_access_key" {print $3}' "$WS/.cloud/credentials")
list=$(curl --aws-sigv4 'aws:amz:us-east-1:lambda' --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
	-sf "http://127.0.0.1:$port/2015-03-31/functions") || e2e_fail "ListFunctions failed"
case $list in *sized-tune*) e2e_fail "the copy is still there: $list" ;; esac
case $list in *'"MemorySize":128'*) ;; *) e2e_fail "the function's memory changed: $list" ;; esac

e2e_keys q
wait_long "Functions (1)"
e2e_keys q
e2e_exited 0
echo "ok - console: power tuning with progress, report and the copy removed"
