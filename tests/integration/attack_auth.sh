#!/bin/bash
# The attack suite's cases for the control plane and the accounts (issue 12, items 3 and 4):
# hostile Python and Node.js handlers in an account of their own (a check's, say) reach for
# the learner's code, clock and functions through the cloud's endpoint and its control
# socket, use their own session against the learner's resources and forge requests with the
# learner's access key; an expired presigned URL is refused; a check's clock step leaves the
# playground's clock alone. TAP.
#
#   attack_auth.sh path/to/lambda-tutor
TUTOR=${1:?usage: attack_auth.sh LAMBDA_TUTOR}
. "$(dirname "$0")/cloud_lib.sh"
. "$(dirname "$0")/events_lib.sh"
FIX=$(dirname "$0")/fixtures/attack

start_cloud
test_role
ok $? "the cloud starts"
LEARNER=$ACCT

# The learner's things: a function, a queue with a message in flight, a bucket with a secret.
mkdir -p "$WORK/victim"
printf 'def handler(event, context):\n    return "mine"\n' >"$WORK/victim/app.py"
make_zip "$WORK/victim.zip" "$WORK/victim"
check "the learner has a function" awsl lambda create-function --function-name victim \
	--runtime python3.12 --handler app.handler --role "$ROLE" --zip-file "fileb://$WORK/victim.zip"
Q=$(awsl sqs create-queue --queue-name victim-q --query QueueUrl --output text)
check "... a queue" test -n "$Q"
awsl sqs send-message --queue-url "$Q" --message-body held >/dev/null
out=$(awsl sqs receive-message --queue-url "$Q" --visibility-timeout 600)
check "... with a message received and hidden for 600 s" contains "$out" '"Body": "held"'
echo 'the learner secret' >"$WORK/secret.txt"
awsl s3 mb s3://victim-bkt >/dev/null
check "... and a bucket with a secret" awsl s3 cp --only-show-errors "$WORK/secret.txt" \
	s3://victim-bkt/secret.txt

# The attacker: an account of its own, made as a check's is, with its handlers.
attacker=$(ctl /_tutor/accounts -X POST)
AKEY=$(json_field "$attacker" AccessKeyId)
ASECRET=$(json_field "$attacker" SecretAccessKey)
AACCT=$(json_field "$attacker" Account)
check "a fresh account for the attacker ($AACCT)" test -n "$AKEY" -a "$AACCT" != "$LEARNER"
attacker_aws() {
	AWS_ACCESS_KEY_ID=$AKEY AWS_SECRET_ACCESS_KEY=$ASECRET awsl "$@"
}
make_zip "$WORK/attack-py.zip" "$FIX/python"
make_zip "$WORK/attack-node.zip" "$FIX/node"
# Its functions' execution role is its own account's, as Lambda wants.
AROLE=$(
	export AWS_ACCESS_KEY_ID=$AKEY AWS_SECRET_ACCESS_KEY=$ASECRET
	make_role attacker-role AdministratorAccess
)
check "the attacker makes an execution role of its own" contains "$AROLE" ":$AACCT:role/"
out=$(attacker_aws lambda create-function --function-name steal-role --runtime python3.12 \
	--handler attack.handler --role "$ROLE" --zip-file "fileb://$WORK/attack-py.zip" 2>&1)
check "... and may not run one with the learner's role (Cross-account pass role)" \
	contains "$out" "AccessDeniedException) when calling the CreateFunction operation: Cross-account pass role is not allowed."
check "the attacker deploys a Python handler" attacker_aws lambda create-function \
	--function-name attack-py --runtime python3.12 --handler attack.handler --role "$AROLE" \
	--timeout 60 --zip-file "fileb://$WORK/attack-py.zip"
check "... and a Node.js handler" attacker_aws lambda create-function \
	--function-name attack-node --runtime nodejs22.x --handler attack.handler --role "$AROLE" \
	--timeout 60 --zip-file "fileb://$WORK/attack-node.zip"

event=$(printf '{"victim":"%s","function":"victim","control":"%s","queue":"%s","bucket":"victim-bkt","victim_key":"%s"}' \
	"$LEARNER" "$CTL" "$Q" "$AWS_ACCESS_KEY_ID")
for lang in py node; do
	attacker_aws lambda invoke --function-name "attack-$lang" --cli-binary-format raw-in-base64-out \
		--payload "$event" "$WORK/$lang.json" >/dev/null 2>&1
	got=$(cat "$WORK/$lang.json")
	note "$lang: $got"
	field() { /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])).get(sys.argv[2])))' "$WORK/$lang.json" "$1"; }
	check "$lang: the handler runs with a session of its own (ASIA...)" \
		contains "$(field key_id)" '"ASIA'
	check "$lang: GET /_tutor/code/<learner>/victim does not give the learner's zip" \
		bash -c "[ '$(field code)' != '[200, true]' ] && [ '$(field code)' != 'null' ]"
	check "$lang: POST /_tutor/clock/advance on the endpoint is refused (403)" \
		test "$(field clock)" = 403
	check "$lang: POST /_tutor/reset?account=<learner> on the endpoint is refused (403)" \
		test "$(field reset)" = 403
	check "$lang: the control socket cannot be reached from the handler" \
		contains "$(field socket)" unreachable
	check "$lang: its own session cannot read the learner's object (AccessDenied)" \
		test "$(field own_s3)" = '"AccessDenied"'
	check "$lang: the learner's key with a guessed secret: SignatureDoesNotMatch" \
		test "$(field forged_s3)" = '"SignatureDoesNotMatch"'
	check "$lang: its own session works in its own account" test "$(field own_account)" = '"allowed"'
	if [ "$lang" = py ]; then
		check "py: its own session cannot send to the learner's queue (AccessDenied)" \
			test "$(field own_sqs)" = '"AccessDenied"'
		check "py: ... nor delete the learner's function" \
			bash -c "[ '$(field own_lambda)' != '\"allowed\"' ]"
		check "py: the learner's key with a guessed secret, SQS: SignatureDoesNotMatch" \
			test "$(field forged_sqs)" = '"SignatureDoesNotMatch"'
		check "py: ... Lambda: InvalidSignatureException" \
			test "$(field forged_lambda)" = '"InvalidSignatureException"'
	fi
done

# Nothing of the learner's moved.
check "the learner's function is still there" awsl lambda get-function --function-name victim
out=$(ctl "/_tutor/clock")
check "the learner's clock was not stepped" contains "$out" '"aheadMs":0'
check "the learner's queue holds no message from the attacker" \
	test -z "$(awsl sqs receive-message --queue-url "$Q")"
out=$(curl -s "$E/_tutor/code/$LEARNER/victim")
check "the endpoint does not hand out code without the cloud's presigned URL" \
	contains "$out" "<Code>AccessDenied</Code>"
out=$(curl -s -w ' %{http_code}' -X POST "$E/_tutor/reset")
check "... nor reset an account" contains "$out" ' 403'
out=$(curl -s "$E/_tutor/health")
check "the endpoint's health answers only that it runs" test "$out" = '{"status":"running"}'

# Signatures from outside, in each service's own terms.
out=$(curl -s --aws-sigv4 'aws:amz:us-east-1:sqs' --user "$AWS_ACCESS_KEY_ID:not-the-secret" \
	-X POST "$E/" -H 'Content-Type: application/x-www-form-urlencoded' \
	--data 'Action=ListQueues&Version=2012-11-05')
check "a wrong secret, SQS: SignatureDoesNotMatch" contains "$out" "<Code>SignatureDoesNotMatch</Code>"
out=$(curl -s --aws-sigv4 'aws:amz:us-east-1:sqs' --user "AKIANOTAREALKEY00000:x" \
	-X POST "$E/" -H 'Content-Type: application/x-www-form-urlencoded' \
	--data 'Action=ListQueues&Version=2012-11-05')
check "an unknown key, SQS: InvalidClientTokenId" contains "$out" "<Code>InvalidClientTokenId</Code>"
out=$(curl -s -X POST "$E/" -H 'Content-Type: application/x-www-form-urlencoded' \
	--data 'Action=ListQueues&Version=2012-11-05')
check "no signature, SQS: MissingAuthenticationToken" contains "$out" "<Code>MissingAuthenticationToken</Code>"
out=$(sigcurl s3 -s "$E/victim-bkt/secret.txt" -H 'Authorization: AWS4-HMAC-SHA256 Credential=x')
check "a malformed signature, S3: AuthorizationHeaderMalformed" \
	contains "$out" "<Code>AuthorizationHeaderMalformed</Code>"
out=$(curl -s "$E/victim-bkt/secret.txt")
check "no signature, S3: AccessDenied" contains "$out" "<Code>AccessDenied</Code>"

# Presigned URLs: they work, then expire.
url=$(awsl s3 presign s3://victim-bkt/secret.txt --expires-in 2)
out=$(curl -s "$url")
check "a presigned S3 URL serves the object" test "$out" = 'the learner secret'
expired=""
for _ in $(seq 100); do
	out=$(curl -s "$url")
	if contains "$out" AccessDenied; then
		expired=$out
		break
	fi
	sleep 0.1
done
note "$expired"
check "... and once expired, AccessDenied: Request has expired" \
	contains "$expired" "<Message>Request has expired</Message>"
qurl=$(/usr/bin/python3 - "$E" <<'PY'
import sys
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
import os
req = AWSRequest(method="GET", url=sys.argv[1] + "/?Action=ListQueues&Version=2012-11-05")
SigV4QueryAuth(Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]),
               "sqs", "us-east-1", expires=1).add_auth(req)
print(req.url)
PY
)
expired=""
for _ in $(seq 100); do
	out=$(curl -s "$qurl")
	if contains "$out" RequestExpired; then
		expired=$out
		break
	fi
	sleep 0.1
done
check "an expired presigned SQS URL: RequestExpired" contains "$expired" "<Code>RequestExpired</Code>"

# S3's aws-chunked uploads, as SDKs stream them: every chunk's signature is checked.
chunked() { # chunked PATH SIGNED TAMPER: "STATUS BODY" of an aws-chunked PUT of 20,000 bytes
	python3 - "$E" "$1" "$2" "$3" <<'PY'
import os, sys
sys.path.insert(0, os.environ["HERE"])
import cloudlib
data = bytes((i * 7) % 251 for i in range(20000))
status, body = cloudlib.chunked_put(sys.argv[1], os.environ["AWS_ACCESS_KEY_ID"],
                                    os.environ["AWS_SECRET_ACCESS_KEY"], sys.argv[2], data,
                                    signed=sys.argv[3] == "1", tamper=sys.argv[4] == "1")
print(status, body)
PY
}
export HERE
HERE=$(cd "$(dirname "$0")" && pwd)
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7) % 251 for i in range(20000)))' >"$WORK/chunked.want"
out=$(chunked /victim-bkt/signed-chunks 1 0)
check "an upload in signed chunks is stored ($out)" contains "$out" "200"
awsl s3 cp --only-show-errors s3://victim-bkt/signed-chunks "$WORK/chunked.got"
check "... with its data alone, not the framing" cmp -s "$WORK/chunked.got" "$WORK/chunked.want"
out=$(chunked /victim-bkt/tampered 1 1)
check "a chunk changed after signing: SignatureDoesNotMatch" contains "$out" "SignatureDoesNotMatch"
out=$(awsl s3api head-object --bucket victim-bkt --key tampered 2>&1)
check "... and nothing is stored" contains "$out" "Not Found"
out=$(chunked /victim-bkt/trailer 0 0)
check "unsigned chunks with a checksum trailer are stored ($out)" contains "$out" "200"
awsl s3 cp --only-show-errors s3://victim-bkt/trailer "$WORK/chunked.got"
check "... with their data" cmp -s "$WORK/chunked.got" "$WORK/chunked.want"

# Refusals as the clients themselves report them: the AWS CLI and boto3 name AWS's codes.
out=$(AWS_SECRET_ACCESS_KEY=not-the-secret awsl sqs list-queues 2>&1)
check "AWS CLI, a wrong secret, SQS: SignatureDoesNotMatch" contains "$out" "(SignatureDoesNotMatch)"
out=$(AWS_SECRET_ACCESS_KEY=not-the-secret awsl lambda list-functions 2>&1)
check "AWS CLI, a wrong secret, Lambda: InvalidSignatureException" \
	contains "$out" "(InvalidSignatureException)"
out=$(AWS_ACCESS_KEY_ID=AKIANOTAREALKEY00000 awsl sqs list-queues 2>&1)
check "AWS CLI, an unknown key, SQS: InvalidClientTokenId" contains "$out" "(InvalidClientTokenId)"
out=$(AWS_ACCESS_KEY_ID=AKIANOTAREALKEY00000 awsl lambda list-functions 2>&1)
check "AWS CLI, an unknown key, Lambda: UnrecognizedClientException" \
	contains "$out" "(UnrecognizedClientException)"
# boto3 signing 20 minutes in the past (its clock set back): past SigV4's 15 minutes of skew.
for py in /usr/bin/python3 python3; do
	"$py" -c 'import boto3' 2>/dev/null || { echo "# skip $py: no boto3"; continue; }
	out=$("$py" - "$E" 2>&1 <<'PY'
import datetime, sys, types
import boto3, botocore.auth
from botocore.config import Config
from botocore.exceptions import ClientError

class Past(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return datetime.datetime.utcnow() - datetime.timedelta(minutes=20)

    @classmethod
    def now(cls, tz=None):
        return datetime.datetime.now(tz) - datetime.timedelta(minutes=20)

def past(remove_tzinfo=True):
    return Past.now(None if remove_tzinfo else datetime.timezone.utc)

# botocore signs in botocore.auth, or in botocore.crt.auth where awscrt is installed.
signers = [botocore.auth]
try:
    import botocore.crt.auth
    signers.append(botocore.crt.auth)
except ImportError:
    pass
for m in signers:
    m.datetime = types.SimpleNamespace(datetime=Past, timedelta=datetime.timedelta,
                                       timezone=datetime.timezone)
    if hasattr(m, "get_current_datetime"):
        m.get_current_datetime = past
for svc, call in (("sqs", "list_queues"), ("lambda", "list_functions"), ("s3", "list_buckets")):
    c = boto3.client(svc, endpoint_url=sys.argv[1], region_name="us-east-1",
                     config=Config(retries={"max_attempts": 0}))
    try:
        getattr(c, call)()
        print(svc, "accepted")
    except ClientError as e:
        print(svc, e.response["Error"]["Code"], e.response["Error"].get("Message", ""))
PY
)
	note "$out"
	check "$py: boto3 signing 20 minutes ago, SQS: RequestExpired" contains "$out" "sqs RequestExpired"
	check "$py: ... Lambda: InvalidSignatureException, Signature expired" \
		contains "$out" "lambda InvalidSignatureException Signature expired"
	check "$py: ... S3: RequestTimeTooSkewed" contains "$out" "s3 RequestTimeTooSkewed"
done

# A check's clock step moves the check's account only.
check "stepping the attacker's (a check's) clock an hour" \
	ctl "/_tutor/clock/advance?account=$AACCT&seconds=3600" -f -X POST
out=$(ctl "/_tutor/clock?account=$AACCT")
check "... moves that account's clock" contains "$out" '"aheadMs":3600000'
out=$(ctl /_tutor/clock)
check "... not the playground's" contains "$out" '"aheadMs":0'
check "... whose message, hidden for 600 s, stays hidden" \
	test -z "$(awsl sqs receive-message --queue-url "$Q")"
advance 601
out=$(awsl sqs receive-message --queue-url "$Q")
check "stepping the playground's own clock past it shows the message again" \
	contains "$out" '"Body": "held"'

# The check's account goes, keys and all.
check "deleting the attacker's account" ctl "/_tutor/accounts/$AACCT" -f -X DELETE
out=$(attacker_aws lambda list-functions 2>&1)
check "... its keys no longer sign anything" contains "$out" UnrecognizedClientException
stop_cloud
ok $? "the cloud stops cleanly"
finish
