#!/bin/sh
# The console in the terminal: create a function from the default code, test it with the API
# Gateway template, see the response, the log and the monitor, refuse a memory size Lambda
# refuses, set one it accepts, and find the change in the list and through the API.
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
wait_long() {
	i=0
	while [ $i -lt 300 ]; do
		e2e_capture | grep -qF -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	e2e_fail "waited 30 s for: $1"
}

e2e_start EDITOR=true
wait_long "Functions (0)"
e2e_keys c
e2e_wait "New function"
e2e_keys "greeter python" Enter
wait_long "Function: greeter"
e2e_wait "runtime python3.12"
test -f "$WS/console/greeter/lambda_function.py" || e2e_fail "the code was not kept"

e2e_keys t
e2e_wait "API Gateway AWS Proxy"
e2e_keys 2
wait_long "Hello from Lambda!"
e2e_wait "REPORT RequestId"
e2e_wait "Monitor"
test -f "$WS/console/.events/greeter/apigateway-aws-proxy.json" || e2e_fail "event not saved"

e2e_keys m
e2e_keys 64 Enter
e2e_wait "from 128 to 10240"
e2e_keys m
e2e_keys 512 Enter
wait_long "configuration of greeter updated"
e2e_keys q
wait_long "512 MB"

e2e_keys q
e2e_exited 0
echo "ok - console: create, test with a template, validation, configuration"
