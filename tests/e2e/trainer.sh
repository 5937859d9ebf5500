#!/bin/sh
# Class mode in the terminal, both sides. A learner's tutor (--class DIR) shows the trainer's
# broadcast within seconds, raises a hand with a note that the trainer's dashboard lists, finds
# a module the trainer has not opened locked and leaves a page of one the trainer closes at
# once. The trainer's dashboard shows the learner, and its presenter view opens and closes; a
# hand the trainer acknowledges is lowered. The dashboard opens a learner's hands-on review:
# checks, functions' metrics and cost, code.
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
# A learner reading module 2 when the trainer closes it is taken out of it at once.
e2e_keys 2
e2e_wait "Module 2 of"
e2e_keys Enter
e2e_wait "page 1/"
"$real" trainer "$class" --open 1 >/dev/null || e2e_fail "cannot open modules"
e2e_wait "module 2 was closed by the trainer"
e2e_capture | grep -qF "page 1/" && e2e_fail "the closed module's page is still on screen"
e2e_keys q
e2e_wait_gone "Module 2 of"
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

long="Back in ten minutes: please finish the hello-world exercise first, then read the page on cold starts and try the quiz on invocation models before ENDMARK"
"$real" trainer "$class" --message "$long" >/dev/null || e2e_fail "cannot broadcast"
TUTOR="$E2E_TMP/trainer"
e2e_start
e2e_wait "Trainer"
e2e_wait "ada"
e2e_wait "ada: stuck on IAM (up 0m)"
# A broadcast longer than the screen is wrapped, not cut.
e2e_wait "ENDMARK"
e2e_wait "press s to start the clock"
e2e_keys s
e2e_wait "session clock started"
e2e_wait "clock 0:00"
# The now marker sits under the agenda bar: module 1's cell keeps its number.
e2e_wait "▲ now"
e2e_capture | grep -q "^ 1 20' " || e2e_fail "the now marker overwrote the agenda bar"
# The help lists the trainer's keys, none of the learner's.
e2e_keys "?"
e2e_wait "Keys: trainer"
e2e_capture | grep -q "push a question" || e2e_fail "the help does not list Q push"
e2e_capture | grep -q "acknowledge a hand" || e2e_fail "the help does not list a acknowledge"
e2e_capture | grep -q -e "raise your hand" -e "list of exercises" &&
	e2e_fail "the trainer's help lists the learner's keys"
e2e_keys Escape
e2e_wait_gone "Keys: trainer"
# H is the learner's key: on the dashboard it opens nothing.
e2e_keys H
sleep 0.3
e2e_capture | grep -q "Raise your hand" && e2e_fail "H opened the learner's hand screen"
# a acknowledges the hand; the queue says so.
e2e_keys a
e2e_wait "ada's hand acknowledged"
e2e_wait "stuck on IAM (up 0m, acknowledged)"
grep -q '"ada"' "$class/.hands.json" || e2e_fail "the acknowledgement was not written"
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
# Q pushes a question: its Markdown rendered on the panel; c closes it.
e2e_keys Q
e2e_wait "push (question or quiz, seconds)"
e2e_keys "no-such-question" Enter
e2e_wait "no question or quiz 'no-such-question'"
e2e_keys Q "ff-handler-setting 60" Enter
e2e_wait "pushed ff-handler-setting to the room"
e2e_wait "live question · 0 of 1 answered"
e2e_wait "handler setting be?"
e2e_capture | grep -qF '**handler**' && e2e_fail "the question's Markdown is shown raw"
e2e_capture | grep -qF '`orders.py`' && e2e_fail "the question's code spans are shown raw"
grep -q '"question":[[:space:]]*"ff-handler-setting"' "$class/.live.json" ||
	e2e_fail "the push was not written for the room"
e2e_keys c
e2e_wait "question closed"
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

# The hands-on review from the dashboard: ada's final project as its last check run sent it
# (a package in the class), her last checks, the functions they ran with what each call
# measured and cost, the code with syntax colour, and a score recorded from the screen.
python3 - "$class" "$(dirname "$0")/../integration" <<'PY' || e2e_fail "cannot write ada's check runs"
import hashlib, io, json, os, sqlite3, sys, time, zipfile
cls = sys.argv[1]
sys.path.insert(0, sys.argv[2])
import record_chain
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("app.py", "import json\n\ndef handler(event, context):\n    # say hello\n"
               "    return {'statusCode': 200, 'body': json.dumps('hi')}\n")
data = buf.getvalue()
sha = hashlib.sha256(data).hexdigest()
os.makedirs(os.path.join(cls, "packages", "ada"), exist_ok=True)
open(os.path.join(cls, "packages", "ada", sha + ".zip"), "wb").write(data)
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("hello.py", "def handler(event, context):\n    return 'HELLO_MARK'\n")
hdata = buf.getvalue()
hsha = hashlib.sha256(hdata).hexdigest()
open(os.path.join(cls, "packages", "ada", hsha + ".zip"), "wb").write(hdata)
report = ("REPORT RequestId: 1\tDuration: 12.50 ms\tBilled Duration: 13 ms\t"
          "Memory Size: 128 MB\tMax Memory Used: 40 MB\t")
hello = {"exercise": "hello-world", "language": "python", "status": "failed", "passed": 2,
         "total": 3, "tasks": [{"id": "greets", "text": "t", "pass": False,
                                "why": "the body says hi, not Hello"}],
         "steps": [{"name": "invoke", "kind": "invoke", "report": report}],
         "package": {"sha256": hsha, "bytes": len(hdata)}}
project = {"exercise": "final-project", "language": "python", "status": "passed",
           "passed": 1, "total": 1, "tasks": [], "steps": [],
           "package": {"sha256": sha, "bytes": len(data)}}
con = sqlite3.connect(os.path.join(cls, "ada.db"))
now = int(time.time() * 1000)
for item, d in (("hello-world", hello), ("final-project", project)):
    record_chain.append(con, now, "check_run", None, item, json.dumps(d))
con.commit()
PY
TUTOR="$E2E_TMP/trainer"
e2e_start
e2e_wait "ada"
e2e_keys o
e2e_wait "Review · ada"
e2e_wait "Final project rubric"
e2e_capture | grep -q "hello-world .*failed  2/3" || e2e_fail "the review shows no last check"
e2e_capture | grep -q "greets: the body says hi, not Hello" || e2e_fail "no failing task"
e2e_capture | grep -q "1 call · 12.5 ms average · 13 ms billed · 40 of 128 MB used at most · \$0.0000002" ||
	e2e_fail "the review shows no metrics and cost of the function's calls"
e2e_keys G
e2e_wait "app.py"
e2e_wait "def handler(event, context):"
# Every exercise's code, as its last check run sent it, below the project's.
e2e_wait "hello-world code (read-only)"
e2e_wait "return 'HELLO_MARK'"
# Syntax colour: the keyword is drawn in a colour of its own.
esc=$(printf '\033')
tmux -L "$E2E_SOCK" capture-pane -e -p -t e2e | grep -q "$esc\[[0-9;]*mdef$esc.*handler" ||
	e2e_fail "the code has no syntax colour"
e2e_keys e
e2e_wait "criterion score [comment]"
e2e_keys "monitoring 9 too high" Enter
e2e_wait "not 9"
# A score needs no comment.
e2e_keys e C-u "iam 2" Enter
e2e_wait "ada's iam: 2 of 4 recorded"
e2e_keys e C-u "monitoring 3 add an alarm on throttles" Enter
e2e_wait "monitoring: 3 of 4 recorded"
e2e_keys g
e2e_wait "monitoring       automatic -      review 3/4"
e2e_keys q
e2e_wait "learners by module"
e2e_keys q
e2e_exited 0
"$real" review "$class" ada --json | grep -q '"comment":[[:space:]]*"add an alarm on throttles"' ||
	e2e_fail "the score recorded on the review screen is not in the class's reviews"
# The review command shows each exercise's code from the class's records, without --workspace.
out=$("$real" review "$class" ada) || e2e_fail "review: $out"
echo "$out" | grep -q "== Code of hello-world (as its last check run sent it" ||
	e2e_fail "review shows no code of hello-world: $out"
echo "$out" | grep -q "^   2      return 'HELLO_MARK'" || e2e_fail "review shows not the code sent: $out"
"$real" review "$class" ada --json | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(d["code"].get("hello-world") != ["hello.py"])' ||
	e2e_fail "review --json lists no code of hello-world"

# The presenter view as a command of its own: the agenda's page, nothing about a learner; a
# closed question only once its answer is revealed.
printf '#!/bin/sh\nexec "%s" present "%s"\n' "$real" "$class" >"$E2E_TMP/present"
chmod +x "$E2E_TMP/present"
TUTOR="$E2E_TMP/present"
e2e_start
# The question closed above is not revealed: the presenter shows the slides, not the question.
e2e_wait "page 1/"
e2e_capture | grep -q "ada" && e2e_fail "the presenter view names a learner"
e2e_capture | grep -qF "handler setting be?" && e2e_fail "the presenter shows a closed question"
# Revealed, its results are shown: the distribution, the right answer marked.
"$real" trainer "$class" --reveal >/dev/null || e2e_fail "cannot reveal the question"
e2e_wait "handler setting be?"
e2e_wait "revealed"
e2e_keys q
e2e_exited 0
echo "ok - class mode: broadcast, hand, locked module, dashboard, presenter, hand acknowledged, review"
