#!/bin/sh
# Class mode in the terminal, both sides. A learner's tutor (--class DIR) shows the trainer's
# broadcast within seconds, raises a hand with a note that the trainer's dashboard lists, and
# finds a module the trainer has not opened locked. The trainer's dashboard shows the learner,
# and its presenter view opens and closes; a hand the trainer acknowledges is lowered.
. "$(dirname "$0")/lib.sh"

real=$TUTOR
class="$E2E_TMP/class"
mkdir -p "$class"
unset LAMBDA_TUTOR_DB
printf '#!/bin/sh\nexec "%s" --class "%s" --learner ada\n' "$real" "$class" >"$E2E_TMP/learner"
printf '#!/bin/sh\nexec "%s" trainer "%s"\n' "$real" "$class" >"$E2E_TMP/trainer"
chmod +x "$E2E_TMP/learner" "$E2E_TMP/trainer"

TUTOR="$E2E_TMP/learner"
e2e_start
e2e_wait "Modules"
[ -f "$class/ada.db" ] || e2e_fail "no record file in the class directory"
[ "$(stat -c %a "$class/ada.db")" = 640 ] || e2e_fail "the learner's file is not 0640"
"$real" trainer "$class" --message "Break until 11:00" >/dev/null || e2e_fail "cannot broadcast"
e2e_wait "Trainer: Break until 11:00"
e2e_keys H
e2e_wait "Raise your hand"
e2e_keys "stuck on IAM" Enter
e2e_wait "Hand raised"
"$real" trainer "$class" --once --json >"$E2E_TMP/dash.json" || e2e_fail "no dashboard"
grep -q '"note":.*"stuck on IAM"' "$E2E_TMP/dash.json" || e2e_fail "the trainer does not see the hand"
"$real" trainer "$class" --open 1 >/dev/null || e2e_fail "cannot open modules"
# The tutor reads the trainer's file every 3 s: until it has, module 2 still opens.
e2e_keys 2
e2e_wait "Module 2 of"
tries=0
while :; do
	e2e_keys Enter
	i=0
	until e2e_capture | grep -qF -e "module 2 is not open yet" -e "page 1/"; do
		i=$((i + 1))
		[ $i -lt $((E2E_WAIT * 10)) ] || e2e_fail "Enter on module 2 did nothing"
		sleep 0.1
	done
	e2e_capture | grep -qF "module 2 is not open yet" && break
	tries=$((tries + 1))
	[ $tries -lt $((E2E_WAIT * 2)) ] || e2e_fail "module 2 stays open after the trainer closed it"
	e2e_keys q
	e2e_wait_gone "page 1/"
	sleep 0.5
done
e2e_keys q q q
e2e_exited 0

TUTOR="$E2E_TMP/trainer"
e2e_start
e2e_wait "Trainer"
e2e_wait "ada"
e2e_wait "ada: stuck on IAM"
e2e_wait "press s to start the clock"
e2e_keys s
e2e_wait "session clock started"
e2e_wait "clock 0:00"
e2e_keys m C-u
e2e_wait "Enter send"
e2e_keys "Back at 11:15" Enter
e2e_wait "sent to the room"
e2e_wait "broadcast: Back at 11:15"
"$real" trainer "$class" --once --json >"$E2E_TMP/dash2.json" || e2e_fail "no dashboard"
grep -q '"message":[[:space:]]*"Back at 11:15"' "$E2E_TMP/dash2.json" ||
	e2e_fail "the broadcast typed on the dashboard was not written"
grep -q '"started_ms":[[:space:]]*[1-9]' "$E2E_TMP/dash2.json" ||
	e2e_fail "the clock started on the dashboard was not written"
e2e_keys m Escape
e2e_wait "nothing sent"
e2e_keys p
e2e_wait "page 1/"
e2e_keys q
e2e_wait "ada: stuck on IAM"
e2e_keys q
e2e_exited 0

# The trainer acknowledges a hand: the learner's tutor lowers it and says so.
TUTOR="$E2E_TMP/learner"
e2e_start
e2e_wait "Modules"
e2e_keys H
e2e_wait "Raise your hand"
e2e_keys "Lambda role" Enter
e2e_wait "Hand raised"
"$real" trainer "$class" --once --json >"$E2E_TMP/dash3.json" || e2e_fail "no dashboard"
grep -q '"hand_seen":[[:space:]]*false' "$E2E_TMP/dash3.json" ||
	e2e_fail "a new hand is not shown as waiting"
grep -q '"hand_age_s":' "$E2E_TMP/dash3.json" || e2e_fail "the hand has no age"
"$real" trainer "$class" --ack ada >/dev/null || e2e_fail "cannot acknowledge the hand"
e2e_wait "The trainer saw your hand"
"$real" trainer "$class" --once --json >"$E2E_TMP/dash4.json" || e2e_fail "no dashboard"
grep -q '"hands":[[:space:]]*\[\]' "$E2E_TMP/dash4.json" ||
	e2e_fail "the acknowledged hand is still in the queue"
"$real" trainer "$class" --ack nobody >/dev/null 2>&1 && e2e_fail "acknowledged a stranger's hand"
e2e_keys q q q
e2e_exited 0

# The presenter view as a command of its own: the agenda's page, nothing about a learner.
printf '#!/bin/sh\nexec "%s" present "%s"\n' "$real" "$class" >"$E2E_TMP/present"
chmod +x "$E2E_TMP/present"
TUTOR="$E2E_TMP/present"
e2e_start
e2e_wait "page 1/"
e2e_capture | grep -q "ada" && e2e_fail "the presenter view names a learner"
e2e_keys q
e2e_exited 0
echo "ok - class mode: broadcast, hand, locked module, dashboard, presenter, hand acknowledged"
