# Shared by the cloud_*.sh tests: TAP output, a real cloud on a free port in a temporary
# workspace, and small helpers for zips and requests. Source it; set TUTOR first.
set -u
n=0
failed=0
ok() { # ok COND-EXIT-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		# A failure is counted above; its status lets `ok ... || note` show why,
		# except under set -e, where it would end the script at the first failure.
		case $- in *e*) ;; *) return 1 ;; esac
	fi
}
check() { # check DESCRIPTION COMMAND...
	desc=$1
	shift
	if "$@" >/dev/null 2>&1; then ok 0 "$desc"; else ok 1 "$desc"; fi
}
contains() { # contains HAYSTACK NEEDLE
	case "$1" in *"$2"*) return 0 ;; *) return 1 ;; esac
}
note() { printf '%s\n' "$@" | head -40 | sed 's/^/# /'; }
finish() {
	echo "1..$n"
	[ "$failed" = 0 ]
	exit $?
}

WORK=$(mktemp -d /tmp/lt-cloud-test.XXXXXX)
WS=$WORK/ws
mkdir -p "$WS"
CLOUD_PID=
ZYGOTE_PIDS=
ZYGOTE_NAMES=

# The two AWS CLIs, as the tests call them: `aws` (the 1.x CLI first on PATH) and `aws2`
# (Debian's 2.x, /usr/bin/aws). Under meson (LT_AWS_CLIENT, tests/meson.build) each name is
# aws-client in $WORK/bin, which hands the command to a zygote of that CLI (aws_zygote.py):
# the CLI's own code parses, signs, sends and prints every command, in a process forked for
# it, without paying the ~1 s of CPU that starting Python and importing the CLI costs on each
# of the thousands of commands the tests run. Without the client, the names are the CLIs.
zygote_start() { # zygote_start NAME CLI-SCRIPT
	local py
	py=$(head -1 "$2" | sed -n 's/^#! *//p')
	# A CLI started by a wrapper (pyenv's shims are shell scripts) runs as itself.
	case $py in *python*) ;; *) return 1 ;; esac
	export "LT_REAL_$1=$2"
	ln -sf "$LT_AWS_CLIENT" "$WORK/bin/$1"
	# shellcheck disable=SC2086 # the interpreter line may hold words (env python3)
	$py "$(dirname "$0")/aws_zygote.py" "$WORK/zygote-$1.sock" "$2" \
		</dev/null >>"$WORK/zygote-$1.log" 2>&1 &
	ZYGOTE_PIDS="$ZYGOTE_PIDS $!"
	eval "ZYGOTE_PID_$1=$!"
	ZYGOTE_NAMES="$ZYGOTE_NAMES $1"
}
# zygote_ready: wait (a bounded time) until each zygote listens; one that does not is left
# out, and its CLI runs as itself.
zygote_ready() {
	local name i pid
	for name in $ZYGOTE_NAMES; do
		i=0
		pid=$(eval "echo \$ZYGOTE_PID_$name")
		while [ ! -S "$WORK/zygote-$name.sock" ] && [ $i -lt 600 ] && kill -0 "$pid" 2>/dev/null; do
			sleep 0.05
			i=$((i + 1))
		done
		if [ -S "$WORK/zygote-$name.sock" ]; then
			export "LT_ZYGOTE_$name=$WORK/zygote-$name.sock"
		else
			unset "LT_ZYGOTE_$name"
			echo "# the $name zygote did not start; that CLI runs as itself:"
			sed 's/^/# /' "$WORK/zygote-$name.log"
		fi
	done
	ZYGOTE_NAMES=
}
zygote_stop() {
	[ -n "$ZYGOTE_PIDS" ] || return 0
	# shellcheck disable=SC2086
	kill -TERM $ZYGOTE_PIDS 2>/dev/null
	# shellcheck disable=SC2086
	wait $ZYGOTE_PIDS 2>/dev/null
	ZYGOTE_PIDS=
}
mkdir -p "$WORK/bin"
real_aws1=$(command -v aws)
if [ -n "${LT_AWS_CLIENT:-}" ] && [ -x "$LT_AWS_CLIENT" ]; then
	# The 1.x CLI only where it is another program than the 2.x: the tests tell them apart by
	# `command -v aws`.
	if [ -n "$real_aws1" ] && [ "$(readlink -f "$real_aws1")" != "$(readlink -f /usr/bin/aws)" ]; then
		zygote_start aws "$real_aws1" || true
	fi
	[ ! -x /usr/bin/aws ] || zygote_start aws2 /usr/bin/aws || true
elif [ -x /usr/bin/aws ]; then
	ln -s /usr/bin/aws "$WORK/bin/aws2"
fi
export PATH="$WORK/bin:$PATH"

export AWS_DEFAULT_REGION=us-east-1
unset AWS_ENDPOINT_URL AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
export AWS_PAGER= AWS_CONFIG_FILE=$WORK/aws-config AWS_SHARED_CREDENTIALS_FILE=$WORK/aws-creds

# learner_keys: the workspace's key pair (the cloud checks every signature) into the variables
# AWS clients read, and its account into ACCT.
learner_keys() {
	AWS_ACCESS_KEY_ID=$(awk '$1 == "aws_access_key_id" {print $3}' "$WS/.cloud/credentials")
	AWS_SECRET_ACCESS_KEY=$(awk '$1 == "aws_secret_access_key" {print $3}' "$WS/.cloud/credentials")
	ACCT=$(awk '$1 == "aws_account_id" {print $3}' "$WS/.cloud/credentials")
	export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
}
start_cloud() { # start_cloud [EXTRA-ARGS...]: serve WS on a free port; sets E, CTL, the keys and CLOUD_PID
	rm -f "$WS/.cloud/lock.port"
	"$TUTOR" serve --workspace "$WS" --port 0 "$@" >>"$WORK/serve.log" 2>&1 &
	CLOUD_PID=$!
	i=0
	while [ $i -lt 200 ]; do
		if [ -s "$WS/.cloud/lock" ]; then
			port=$(awk '{print $2}' "$WS/.cloud/lock")
			if [ -n "$port" ] && [ "$(awk '{print $1}' "$WS/.cloud/lock")" = "$CLOUD_PID" ] &&
				curl -sf "http://127.0.0.1:$port/_tutor/health" >/dev/null 2>&1; then
				E=http://127.0.0.1:$port
				CTL=$WS/.cloud/control.sock
				learner_keys
				zygote_ready
				return 0
			fi
		fi
		sleep 0.05
		i=$((i + 1))
	done
	echo "# the cloud did not start:"
	sed 's/^/# /' "$WORK/serve.log"
	return 1
}
stop_cloud() {
	[ -n "$CLOUD_PID" ] || return 0
	kill -TERM "$CLOUD_PID" 2>/dev/null
	wait "$CLOUD_PID"
	status=$?
	CLOUD_PID=
	return $status
}
cleanup() {
	zygote_stop
	if [ -n "$CLOUD_PID" ]; then
		kill -TERM "$CLOUD_PID" 2>/dev/null
		wait "$CLOUD_PID" 2>/dev/null
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

awsl() { aws2 --endpoint-url "$E" --output json "$@"; }

# json_field JSON KEY: a top-level string of a JSON object.
json_field() {
	/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' "$1" "$2"
}

# make_zip ZIP DIR: zip DIR's contents (keeping modes) into ZIP.
make_zip() {
	rm -f "$1"
	(cd "$2" && zip -qr -X "$1" .)
}

# sigcurl SERVICE CURL-ARGS...: curl, signed with SigV4 by the learner's key pair as SERVICE's.
# Debian's curl (7.88) signs a query string as it is written: write its parameters sorted, each
# with its '=' ("?notification="). S3 wants x-amz-content-sha256, which that curl does not send.
sigcurl() {
	svc=$1
	shift
	if [ "$svc" = s3 ]; then
		set -- -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@"
	fi
	curl --aws-sigv4 "aws:amz:us-east-1:$svc" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" "$@"
}
lcurl() { sigcurl lambda "$@"; }
# ctl PATH [CURL-ARGS...]: the tutor's controls (/_tutor/...), on the control socket.
ctl() {
	p=$1
	shift
	curl -s --unix-socket "$CTL" "$@" "http://localhost$p"
}
# new_account: a fresh account made on the control socket; prints "ACCESS-KEY SECRET ACCOUNT".
new_account() {
	a=$(ctl /_tutor/accounts -X POST)
	printf '%s %s %s\n' "$(json_field "$a" AccessKeyId)" "$(json_field "$a" SecretAccessKey)" \
		"$(json_field "$a" Account)"
}

# make_role NAME [MANAGED-POLICY...]: an execution role Lambda may assume, with AWS managed
# policies attached by path and name (default service-role/AWSLambdaBasicExecutionRole), made
# with the AWS CLI and the keys in the environment; prints its ARN.
make_role() {
	name=$1
	shift
	[ $# -gt 0 ] || set -- service-role/AWSLambdaBasicExecutionRole
	awsl iam create-role --role-name "$name" --query Role.Arn --output text \
		--assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}' || return 1
	for p in "$@"; do
		awsl iam attach-role-policy --role-name "$name" --policy-arn "arn:aws:iam::aws:policy/$p" || return 1
	done
}

# test_role: the execution role the tests' functions run with, made once per account ("lambda-
# role", trusting Lambda, its handlers free to call any service) with the keys in the
# environment, its ARN into ROLE. Signed with curl, as create_fn makes it before every function.
test_role() {
	ROLE=$(sigcurl iam -s "$E/" --data-urlencode Action=CreateRole \
		--data-urlencode Version=2010-05-08 --data-urlencode RoleName=lambda-role \
		--data-urlencode 'AssumeRolePolicyDocument={"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}' |
		sed -n 's|.*<Arn>\(arn:aws:iam::[0-9]*:role/lambda-role\)</Arn>.*|\1|p')
	[ -n "$ROLE" ] || ROLE=$(sigcurl iam -s "$E/" --data-urlencode Action=GetRole \
		--data-urlencode Version=2010-05-08 --data-urlencode RoleName=lambda-role |
		sed -n 's|.*<Arn>\(arn:aws:iam::[0-9]*:role/lambda-role\)</Arn>.*|\1|p')
	sigcurl iam -sf -o /dev/null "$E/" --data-urlencode Action=AttachRolePolicy \
		--data-urlencode Version=2010-05-08 --data-urlencode RoleName=lambda-role \
		--data-urlencode PolicyArn=arn:aws:iam::aws:policy/AdministratorAccess
}

# api METHOD PATH [DATA-FILE|-]: a Lambda API request with curl, signed; prints the body, then a
# line "HTTP <code>".
api() {
	if [ $# -ge 3 ]; then
		lcurl -s -X "$1" "$E$2" -H 'Content-Type: application/json' --data-binary "@$3" \
			-w '\nHTTP %{http_code}\n'
	else
		lcurl -s -X "$1" "$E$2" -w '\nHTTP %{http_code}\n'
	fi
}

# create_fn NAME RUNTIME HANDLER ZIP [EXTRA-JSON]: CreateFunction with curl; prints the body.
create_fn() {
	b64=$(base64 -w0 "$4")
	test_role
	printf '{"FunctionName":"%s","Runtime":"%s","Handler":"%s","Role":"%s","Code":{"ZipFile":"%s"}%s}' \
		"$1" "$2" "$3" "$ROLE" "$b64" "${5:-}" >"$WORK/create.json"
	api POST /2015-03-31/functions "$WORK/create.json"
}

# allow_service TARGET-ARN SERVICE SOURCE-ARN: let SERVICE (sns, s3, events) deliver to the
# queue, topic or function TARGET-ARN for SOURCE-ARN, as AWS wants: a queue or topic policy
# statement, or a function's add-permission.
allow_service() {
	local doc name acct
	case $1 in
	arn:aws:sqs:*)
		acct=$(echo "$1" | cut -d: -f5) name=$(echo "$1" | cut -d: -f6)
		doc="{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"$2.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"$1\",\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":\"$3\"}}}]}"
		awsl sqs set-queue-attributes --queue-url "$E/$acct/$name" \
			--attributes "{\"Policy\":\"$(printf '%s' "$doc" | sed 's/"/\\"/g')\"}"
		;;
	arn:aws:sns:*)
		doc="{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"$2.amazonaws.com\"},\"Action\":\"sns:Publish\",\"Resource\":\"$1\",\"Condition\":{\"ArnLike\":{\"aws:SourceArn\":\"$3\"}}}]}"
		awsl sns set-topic-attributes --topic-arn "$1" --attribute-name Policy \
			--attribute-value "$doc"
		;;
	*)
		awsl lambda add-permission --function-name "$1" --action lambda:InvokeFunction \
			--statement-id "$2-$(echo "$3" | md5sum | cut -c1-8)" \
			--principal "$2.amazonaws.com" --source-arn "$3" >/dev/null
		;;
	esac
}
