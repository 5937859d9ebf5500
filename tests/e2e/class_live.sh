#!/bin/sh
# A learner joined to a class server on TLS (its certificate pinned) answers a quiz in the tutor's screen, and the class
# server's copy of the record has each answer while the screen still runs (not only when the
# learner quits). The server then goes away: the next answer shows at once all the same, waits
# in the learner's record, and reaches the server when it is back on the same address, still
# during the session. A server stopped (connections taken, never answered) holds neither the
# screen nor quitting; what waited goes later, and each answer is on the server exactly once.
# Then the trainer pushes a question: it opens at once on the learner's tutor, the answer
# reaches the trainer's panel, the reveal shows the right answer, and a review arrives. Last,
# a whole quiz is pushed and the trainer moves the room from its first question to its second.
. "$(dirname "$0")/lib.sh"

course="$E2E_TMP/course"
class="$E2E_TMP/class"
mkdir -p "$course/m1" "$E2E_TMP/quizzes"
cat >"$course/course.yaml" <<'EOF'
id: e2e
title: E2E course
minutes: 20
quizzes: ../quizzes
modules: [m1]
EOF
cat >"$course/m1/module.yaml" <<'EOF'
id: m1
title: One
minutes: 20
objectives: [Learn]
pages: [{id: limits, title: Limits of a function, file: limits.md}]
quiz: e2e-live
EOF
printf '# Limits of a function\n\nFifteen minutes.\n' >"$course/m1/limits.md"
cat >"$E2E_TMP/quizzes/e2e-live.yaml" <<'EOF'
id: e2e-live
title: Live quiz
pass: 50
shuffle_questions: false
shuffle_options: false
questions:
  - id: live-timeout
    type: mc
    text: Longest invocation?
    options:
      - { text: 5 minutes }
      - { text: 15 minutes, fraction: 1 }
  - id: live-tmp
    type: tf
    text: Lambda empties /tmp after every invocation.
    answer: false
EOF

real="$TUTOR"
server=""
live_cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	e2e_cleanup
}
trap live_cleanup EXIT INT TERM

# serve LISTEN: start the class server and wait for its address and class code.
serve() {
	: >"$E2E_TMP/serve.out"
	LAMBDA_TUTOR_COURSE="$course" "$real" class serve "$class" --tls --listen "$1" \
		>"$E2E_TMP/serve.out" 2>"$E2E_TMP/serve.err" &
	server=$!
	end=$(($(date +%s) + 20))
	while ! grep -q '^class code ' "$E2E_TMP/serve.out"; do
		kill -0 "$server" 2>/dev/null ||
			e2e_fail "the class server stopped: $(cat "$E2E_TMP/serve.err")"
		[ "$(date +%s)" -le "$end" ] || e2e_fail "the class server did not start in 20 s"
		sleep 0.1
	done
	url=$(sed -n 's/.*serving \(https:[^ ]*\).*/\1/p' "$E2E_TMP/serve.out")
	fingerprint=$(sed -n 's/^certificate SHA-256 //p' "$E2E_TMP/serve.out")
	code=$(sed -n 's/^class code //p' "$E2E_TMP/serve.out")
}

# on_server KIND: how many events of KIND the server's copy of ada's record holds.
on_server() {
	python3 - "$class/ada.db" "$1" <<'EOF'
import os, sqlite3, sys
if not os.path.exists(sys.argv[1]):
    print(0)
    sys.exit(0)
con = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(con.execute("SELECT count(*) FROM events WHERE kind = ?", (sys.argv[2],)).fetchone()[0])
EOF
}

# await KIND N SECONDS: poll until the server holds N events of KIND (the screen still running
# while running=1).
await() { # KIND N SECONDS
	end=$(($(date +%s) + $3))
	while [ "$(on_server "$1")" != "$2" ]; do
		[ "$(date +%s)" -le "$end" ] ||
			e2e_fail "the server holds $(on_server "$1") $1 events, not $2, after $3 s"
		sleep 0.1
	done
	[ "$running" = 1 ] && e2e_capture | grep -q "EXITED=" && e2e_fail "the tutor had quit"
	return 0
}

serve 127.0.0.1:0
port=${url##*:}
out=$("$real" --learner ada --course "$course" join "$url" "$code" \
	--fingerprint "$fingerprint" 2>&1) ||
	e2e_fail "join: $out"

cat >"$E2E_TMP/take-quiz" <<EOF
#!/bin/sh
exec '$real' --learner ada quiz e2e-live --course '$course'
EOF
chmod +x "$E2E_TMP/take-quiz"
TUTOR="$E2E_TMP/take-quiz"

running=1
e2e_start
e2e_wait "Live quiz"
e2e_keys Enter
e2e_wait "Longest invocation?"
e2e_keys 2 Enter
e2e_wait "Correct."
await quiz_start 1 10
await quiz_try 1 10
echo "ok 1 - the first answer is on the class server while the quiz is on screen"

# The server goes away: the screen answers at once all the same.
kill "$server"
wait "$server" 2>/dev/null
server=""
e2e_keys Enter
e2e_wait "Lambda empties /tmp"
e2e_keys 1 Enter
e2e_wait "Incorrect."
[ "$(on_server quiz_try)" = 1 ] || e2e_fail "an answer reached a server that was stopped"
echo "ok 2 - with the server away, the next answer is shown at once and waits"

serve "127.0.0.1:$port"
await quiz_try 2 20
echo "ok 3 - the waiting answer reaches the server when it is back, during the session"

# A server that takes connections but never answers (stopped): the score shows at once, and
# quitting is not held for the HTTP client's two minutes; the finish waits in the record.
kill -STOP "$server"
e2e_keys Enter
e2e_wait "Score:"
e2e_keys q
start=$(date +%s)
end=$((start + 20))
until e2e_capture | grep -q "EXITED="; do
	[ "$(date +%s)" -le "$end" ] || e2e_fail "quitting waited over 20 s for a stopped server"
	sleep 0.1
done
e2e_exited 0
running=0
echo "ok 4 - with the server stopped, the tutor quits in $(($(date +%s) - start)) s"
kill -CONT "$server"
out=$("$real" --learner ada join --sync 2>&1) || e2e_fail "join --sync: $out"
await quiz_finish 1 10
[ "$(on_server quiz_try)" = 2 ] || e2e_fail "the server holds $(on_server quiz_try) answers, not 2"
[ "$(on_server refused)" = 0 ] || e2e_fail "the server refused events of ada's"
echo "ok 5 - what waited is sent; each answer is on the server once and none was refused"

# see TEXT SECONDS: wait for TEXT on the learner's screen (the room is read every second).
see() {
	end=$(($(date +%s) + $2))
	until e2e_capture | grep -qF -- "$1"; do
		[ "$(date +%s)" -le "$end" ] || e2e_fail "waited $2 s for: $1"
		sleep 0.1
	done
}
trainer() { LAMBDA_TUTOR_COURSE="$course" "$real" trainer "$class" "$@"; }

# The trainer pushes a question: the learner's tutor, on another screen, shows it at once.
printf "#!/bin/sh\nexec '%s' --learner ada --course '%s'\n" "$real" "$course" >"$E2E_TMP/tutor"
chmod +x "$E2E_TMP/tutor"
TUTOR="$E2E_TMP/tutor"
tmux -L "$E2E_SOCK" kill-server 2>/dev/null
running=1
e2e_start
e2e_wait "Limits of a function"
out=$(trainer --push live-timeout --seconds 90 2>&1) || e2e_fail "push: $out"
see "Live question from the trainer" 20
see "Longest invocation?" 5
e2e_capture | grep -q "s left" || e2e_fail "the learner's screen shows no timer"
e2e_keys 2 Enter
see "Answer recorded." 5
! e2e_capture | grep -q "[✓✗]" || e2e_fail "the learner sees a verdict before the reveal"
await live_answer 1 20
panel=$(trainer --once)
echo "$panel" | grep -q "Live question live-timeout (open, [0-9]* s left): 1 of 1 answered" ||
	e2e_fail "the trainer's panel: $panel"
echo "$panel" | grep -q "15 minutes .* 1  100%" || e2e_fail "the panel's shares: $panel"
echo "ok 6 - a pushed question opens on the learner's screen with its timer; the answer reaches the trainer's panel"

out=$(trainer --reveal 2>&1) || e2e_fail "reveal: $out"
see "You were right." 20
see "The right answer:" 5
e2e_capture | grep -q "✓" || e2e_fail "the reveal marks the right option"
echo "ok 7 - the reveal shows the learner the right answer"

out=$(LAMBDA_TUTOR_COURSE="$course" "$real" review "$class" ada monitoring 3 \
	"Alarm on errors; add one on throttles" 2>&1) || e2e_fail "review: $out"
see "The trainer reviewed your project: monitoring 3/4" 20
e2e_keys q
e2e_keys V
see "add one on throttles" 5
e2e_keys q
echo "ok 8 - the trainer's review reaches the learner's tutor"

# A whole quiz pushed: each question replaces the last on the learner's screen as the trainer
# moves on, with its place in the quiz.
out=$(trainer --push-quiz e2e-live --seconds 60 2>&1) || e2e_fail "push-quiz: $out"
see "question 1 of 2" 20
see "Longest invocation?" 5
e2e_keys 2 Enter
see "Answer recorded." 5
# The trainer moves on once the answer is in: one arriving over 2 s after --next is refused.
await live_answer 2 20
out=$(trainer --next 2>&1) || e2e_fail "next: $out"
see "question 2 of 2" 20
see "Lambda empties /tmp" 5
e2e_keys 2 Enter
see "Answer recorded." 5
await live_answer 3 20
out=$(trainer --next 2>&1) || e2e_fail "next: $out"
echo "$out" | grep -q "e2e-live is over" || e2e_fail "the last --next: $out"
e2e_keys q
e2e_wait "Limits of a function"
e2e_keys q
e2e_exited 0
running=0
echo "ok 9 - a pushed quiz moves the learner's screen from question to question"
echo "1..9"

