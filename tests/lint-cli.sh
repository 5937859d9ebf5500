#!/bin/sh
# `lambda-tutor lint` from the outside: a broken course exits 1 with exactly the expected
# one-line errors on stderr and nothing on stdout; a good one exits 0 with its summary; a
# folder without course.yaml exits 2 with one line.
# Usage: lint-cli.sh LAMBDA_TUTOR FIXTURES_DIR
bin=$1
cd "$2" || exit 2
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
check() { # check WHAT STATUS
	n=$((n + 1))
	if [ "$2" != 0 ]; then
		echo "not ok - $1"
		fail=1
	else
		echo "ok - $1"
	fi
}

"$bin" lint broken >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 1 ]
check "broken course exits 1 (got $rc)" $?
cmp -s "$tmp/err" broken.expected
check "broken course prints the expected lines" $?
[ ! -s "$tmp/out" ]
check "nothing on stdout" $?
[ $rc = 1 ] && cmp -s "$tmp/err" broken.expected || diff -u broken.expected "$tmp/err" | sed 's/^/# /'

"$bin" lint good >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 0 ] && [ "$(head -1 "$tmp/out")" = "lint: 2 modules, 3 pages (3 on the core path): ok" ] &&
	[ ! -s "$tmp/err" ]
check "good course exits 0 with its summary" $?
grep -qE '^ 1\. basics +core path +2 of +20 min: pages 2, exercises 0, quiz 0$' "$tmp/out"
check "it reports each module's core path against its minutes" $?

# A module whose core path takes longer than its minutes fails, at its minutes, with the
# figures; marking the long page as going further makes it fit again.
cp -R good "$tmp/over"
awk '{ print } /^  - \{id: memory/ { print "  - {id: long, title: A long read, file: long.md, minutes: 12}" }' \
	good/02-deeper/module.yaml >"$tmp/over/02-deeper/module.yaml"
printf '# A long read\n\nWords.\n' >"$tmp/over/02-deeper/long.md"
"$bin" lint "$tmp/over" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
	grep -q "02-deeper/module.yaml:3:10: the core path takes 13 minutes (pages 13, exercises 0, quiz 0), the module has 10" "$tmp/err"
check "a module over its minutes fails lint, located at its minutes (got $rc: $(cat "$tmp/err"))" $?
sed -i 's/minutes: 12}/minutes: 12, further: true}/' "$tmp/over/02-deeper/module.yaml"
"$bin" lint "$tmp/over" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 0 ] && grep -qE '^ 2\. deeper +core path +1 of +10 min: .*; going further 1 items, 12 min$' "$tmp/out"
check "the same page going further fits (got $rc)" $?

"$bin" --course good lint --json >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 0 ] && grep -q '"diagnostics":[[:space:]]*\[\]' "$tmp/out"
check "--json on a good course lists no diagnostics" $?

"$bin" lint broken --json >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 1 ] && [ "$(grep -c '"message":' "$tmp/out")" = "$(wc -l <broken.expected)" ]
check "--json on a broken course lists every diagnostic" $?

"$bin" lint "$tmp" >"$tmp/out" 2>"$tmp/err2"
rc=$?
[ $rc = 2 ] && [ "$(cat "$tmp/err2")" = "lambda-tutor: cannot open course '$tmp': no course.yaml" ]
check "a folder without course.yaml exits 2 with one line" $?

"$bin" lint good extra >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ]
check "two folders are a usage error" $?

echo "1..$n"
exit $fail
