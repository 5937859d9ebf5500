#!/bin/sh
# A module the trainer closes closes at once on every screen of it, not only its pages: a
# learner checking an exercise of module 2 when the trainer closes it sees the check finish and
# recorded, then leaves the exercise with the trainer's reason; the module's exercises and quiz
# no longer open; a learner taking its quiz leaves it the same way. A real cloud runs for the
# workspace.
. "$(dirname "$0")/lib.sh"
real=$TUTOR
class="$E2E_TMP/class"
WS="$E2E_TMP/ws"
mkdir -p "$class"
unset LAMBDA_TUTOR_DB
printf '#!/bin/sh\nexec "%s" --class "%s" --learner ada --workspace "%s"\n' "$real" "$class" \
	"$WS" >"$E2E_TMP/learner"
chmod +x "$E2E_TMP/learner"
stop_cloud() {
	[ -s "$WS/.cloud/lock" ] && kill -TERM "$(awk '{print $1}' "$WS/.cloud/lock")" 2>/dev/null
	e2e_cleanup
}
trap stop_cloud EXIT INT TERM
wait_long() { # the first check starts a cloud and a Python runtime: allow 60 s
	i=0
	while [ $i -lt 600 ]; do
		e2e_capture | grep -qF -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	e2e_fail "waited 60 s for: $1"
}
runs() { # the check runs of exercise $1 in ada's record
	python3 - "$class/ada.db" "$1" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
print(con.execute("SELECT count(*) FROM events WHERE kind='check_run' AND item=?",
                  (sys.argv[2],)).fetchone()[0])
PY
}

TUTOR="$E2E_TMP/learner"
e2e_start
e2e_wait "Modules"
e2e_keys 2
e2e_wait "Module 2 of"
e2e_keys e
wait_long "Exercise: A calculator function"
# A check is running when the module closes: it finishes, is recorded, and then the screen leaves.
e2e_keys c
"$real" trainer "$class" --open 1 >/dev/null || e2e_fail "cannot close module 2"
wait_long "module 2 was closed by the trainer"
[ "$(runs calculator)" -ge 1 ] || e2e_fail "the check running when the module closed was not recorded"
e2e_capture | grep -q "^ Exercise: A calculator" && e2e_fail "the closed module's exercise is still on screen"
e2e_wait "Module 2 of"
# Neither its exercises nor its quiz open now.
e2e_keys e
e2e_wait "module 2 is not open yet: the trainer opens it"
e2e_capture | grep -q "^ Exercise: A calculator" && e2e_fail "an exercise of the closed module opened"
e2e_keys z
e2e_wait "module 2 is not open yet: the trainer opens it"
e2e_capture | grep -qF "questions, one at a time" && e2e_fail "the closed module's quiz opened"
# Opened again, its quiz opens; closed, the quiz leaves at once.
"$real" trainer "$class" --open 2 >/dev/null || e2e_fail "cannot open module 2"
tries=0
until e2e_capture | grep -qF "questions, one at a time"; do
	tries=$((tries + 1))
	[ $tries -lt $((E2E_WAIT * 2)) ] || e2e_fail "module 2's quiz does not open after the trainer opened it"
	e2e_keys z
	sleep 0.5
done
"$real" trainer "$class" --open 1 >/dev/null || e2e_fail "cannot close module 2"
e2e_wait "module 2 was closed by the trainer"
e2e_capture | grep -qF "questions, one at a time" && e2e_fail "the closed module's quiz is still on screen"
e2e_keys q q q
e2e_exited 0
echo "ok - a closed module's exercise (after its running check) and quiz close at once"
