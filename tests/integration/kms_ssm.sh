#!/bin/bash
# KMS and SSM Parameter Store through boto3 in both Pythons (kms_ssm.py, each as accounts of
# its own in one cloud), their commands and Secrets Manager's in both AWS CLIs, and a secret
# read after a restart (secrets_manager.sh runs Secrets Manager through boto3). Usage:
# kms_ssm.sh LAMBDA-TUTOR
TUTOR=$1
. "$(dirname "$0")/cloud_lib.sh"
DIR=$(cd "$(dirname "$0")" && pwd)

start_cloud || exit 1
# run LABEL COMMAND...: a TAP script's lines, numbered on.
run() {
	label=$1
	shift
	"$@" >"$WORK/out" 2>"$WORK/err"
	status=$?
	grep -E '^(ok|not ok) ' "$WORK/out" >"$WORK/lines"
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok 0 "$label: ${line#* - }" ;;
		*) ok 1 "$label: ${line#* - }" ;;
		esac
	done <"$WORK/lines"
	[ $status = 0 ] || { ok 1 "$label exits 0"; note "$(tail -20 "$WORK/err")"; }
}
for py in /usr/bin/python3 python3; do
	if ! "$py" -c 'import boto3' 2>/dev/null; then
		echo "# skip $py: no boto3"
		continue
	fi
	run "$py" "$py" "$DIR/kms_ssm.py" "$E" "$WS"
done

# Both AWS CLIs: a key and an alias, a round trip through encrypt and decrypt, a wrong
# context, parameters of each type, by path, with decryption, versions and labels.
# verify DESCRIPTION COMMAND...: check, showing $out when it fails.
verify() {
	desc=$1
	shift
	if "$@" >/dev/null 2>&1; then ok 0 "$desc"; else ok 1 "$desc"; note "$out"; fi
}
CLI_KEYS=
for cli in aws2 aws; do
	command -v "$cli" >/dev/null 2>&1 || { echo "# skip $cli: not installed"; continue; }
	read -r akey asecret acct < <(new_account)
	c() { AWS_ACCESS_KEY_ID=$akey AWS_SECRET_ACCESS_KEY=$asecret AWS_DEFAULT_REGION=us-east-1 \
		"$cli" --endpoint-url "$E" --output text "$@"; }
	kid=$(c kms create-key --description cli --query KeyMetadata.KeyId 2>&1)
	verify "$cli kms create-key" contains "$kid" "-"
	c kms create-alias --alias-name alias/cli --target-key-id "$kid" >/dev/null 2>&1
	ok $? "$cli kms create-alias"
	printf 'hello, kms' >"$WORK/plain"
	c kms encrypt --key-id alias/cli --plaintext "fileb://$WORK/plain" \
		--encryption-context app=cli --query CiphertextBlob | base64 -d >"$WORK/blob" 2>/dev/null
	out=$(c kms decrypt --ciphertext-blob "fileb://$WORK/blob" --encryption-context app=cli \
		--query Plaintext 2>&1 | base64 -d 2>/dev/null)
	verify "$cli kms encrypt, decrypt" [ "$out" = "hello, kms" ]
	out=$(c kms decrypt --ciphertext-blob "fileb://$WORK/blob" --encryption-context app=other 2>&1)
	verify "$cli kms decrypt, a wrong context" contains "$out" "(InvalidCiphertextException)"
	out=$(c kms list-aliases --key-id "$kid" --query 'Aliases[].AliasName' 2>&1)
	verify "$cli kms list-aliases" [ "$out" = "alias/cli" ]
	out=$(c ssm put-parameter --name /cli/plain --value one --type String --query Version 2>&1)
	verify "$cli ssm put-parameter" [ "$out" = 1 ]
	c ssm put-parameter --name /cli/list --value a,b --type StringList >/dev/null 2>&1
	c ssm put-parameter --name /cli/secret --value s3cr3t --type SecureString --key-id alias/cli \
		>/dev/null 2>&1
	out=$(c ssm get-parameter --name /cli/secret --with-decryption --query Parameter.Value 2>&1)
	verify "$cli ssm get-parameter --with-decryption" [ "$out" = s3cr3t ]
	out=$(c ssm get-parameter --name /cli/secret --query Parameter.Value 2>&1)
	verify "$cli ssm get-parameter without decryption: the ciphertext" [ "$out" != s3cr3t ]
	out=$(c ssm get-parameters-by-path --path /cli --query 'Parameters[].Name' 2>&1)
	verify "$cli ssm get-parameters-by-path" [ "$(echo "$out" | tr '\t' '\n' | sort | paste -sd' ')" = \
		"/cli/list /cli/plain /cli/secret" ]
	out=$(c ssm put-parameter --name /cli/plain --value two --type String 2>&1)
	verify "$cli ssm put-parameter without --overwrite" contains "$out" "(ParameterAlreadyExists)"
	c ssm put-parameter --name /cli/plain --value two --overwrite >/dev/null 2>&1
	c ssm label-parameter-version --name /cli/plain --parameter-version 1 --labels old >/dev/null 2>&1
	out=$(c ssm get-parameter --name /cli/plain:old --query Parameter.Value 2>&1)
	verify "$cli ssm label-parameter-version, NAME:LABEL" [ "$out" = one ]
	out=$(c ssm get-parameter-history --name /cli/plain --query 'Parameters[].Value' 2>&1)
	verify "$cli ssm get-parameter-history" [ "$out" = "one	two" ]
	out=$(c ssm describe-parameters --parameter-filters Key=Type,Values=SecureString \
		--query 'Parameters[].Name' 2>&1)
	verify "$cli ssm describe-parameters" [ "$out" = /cli/secret ]
	out=$(c ssm delete-parameters --names /cli/list /cli/none --query InvalidParameters 2>&1)
	verify "$cli ssm delete-parameters" [ "$out" = /cli/none ]
	out=$(c ssm get-parameter --name /cli/list 2>&1)
	verify "$cli ssm get-parameter of a deleted one" contains "$out" "(ParameterNotFound)"
	# Secrets Manager: a secret, a new value, the previous one by its label, a page, deletion.
	out=$(c secretsmanager create-secret --name cli/db --secret-string one --query Name 2>&1)
	verify "$cli secretsmanager create-secret" [ "$out" = cli/db ]
	c secretsmanager put-secret-value --secret-id cli/db --secret-string two >/dev/null 2>&1
	out=$(c secretsmanager get-secret-value --secret-id cli/db --query SecretString 2>&1)
	verify "$cli secretsmanager put-secret-value, get-secret-value" [ "$out" = two ]
	out=$(c secretsmanager get-secret-value --secret-id cli/db --version-stage AWSPREVIOUS \
		--query SecretString 2>&1)
	verify "$cli secretsmanager get-secret-value --version-stage AWSPREVIOUS" [ "$out" = one ]
	c secretsmanager create-secret --name cli/keyed --secret-string k --kms-key-id "$kid" \
		>/dev/null 2>&1
	out=$(c secretsmanager list-secrets --filters Key=name,Values=cli/ --query 'SecretList[].Name' 2>&1)
	verify "$cli secretsmanager list-secrets --filters" [ "$out" = "cli/db	cli/keyed" ]
	out=$(c secretsmanager delete-secret --secret-id cli/db --recovery-window-in-days 7 --query Name 2>&1)
	verify "$cli secretsmanager delete-secret" [ "$out" = cli/db ]
	out=$(c secretsmanager get-secret-value --secret-id cli/db 2>&1)
	verify "$cli secretsmanager get-secret-value of a deleted one" contains "$out" \
		"(InvalidRequestException)"
	c secretsmanager restore-secret --secret-id cli/db >/dev/null 2>&1
	out=$(c secretsmanager describe-secret --secret-id cli/db --query 'length(keys(VersionIdsToStages))' 2>&1)
	verify "$cli secretsmanager restore-secret, describe-secret" [ "$out" = 2 ]
	out=$(c kms schedule-key-deletion --key-id "$kid" --pending-window-in-days 7 --query KeyState 2>&1)
	verify "$cli kms schedule-key-deletion" [ "$out" = PendingDeletion ]
	out=$(c secretsmanager get-secret-value --secret-id cli/keyed 2>&1)
	verify "$cli secretsmanager: its key pending deletion" contains "$out" "(DecryptionFailure)"
	CLI_KEYS="$CLI_KEYS $akey:$asecret"
done

# Secrets survive a restart of the cloud.
stop_cloud
ok $? "the cloud stops cleanly"
start_cloud || exit 1
for pair in $CLI_KEYS; do
	out=$(AWS_ACCESS_KEY_ID=${pair%%:*} AWS_SECRET_ACCESS_KEY=${pair#*:} AWS_DEFAULT_REGION=us-east-1 \
		aws2 --endpoint-url "$E" --output text secretsmanager get-secret-value \
		--secret-id cli/db --query SecretString 2>&1)
	verify "a secret after a restart" [ "$out" = two ]
done
[ "$failed" = 0 ] || note "the cloud's log:" "$(tail -20 "$WORK/serve.log")"
stop_cloud
ok $? "the cloud stops cleanly"
finish
