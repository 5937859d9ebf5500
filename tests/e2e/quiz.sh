#!/bin/sh
# Take a small quiz in the terminal: answer one question, kill -9 the tutor, start again and find
# the answer kept; answer the rest (one wrong) and see the score, the marks and the page to
# review, open that page from the result; `quiz --list` then shows the best score. Then, at 80x24,
# the polish: a dollar answer typed as `$535.68`, feedback that says "Right." once and no unit
# note, n and p typed into a short answer's next try, the help overlay and every footer key on
# the screen.
. "$(dirname "$0")/lib.sh"

course="$E2E_TMP/course"
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
quiz: e2e-demo
EOF
printf '# Limits of a function\n\nFifteen minutes.\n' >"$course/m1/limits.md"
cat >"$E2E_TMP/quizzes/e2e-demo.yaml" <<'EOF'
id: e2e-demo
title: Demo quiz
pass: 60
shuffle_questions: false
shuffle_options: false
questions:
  - id: e2e-timeout
    type: mc
    text: Longest invocation?
    review: m1/limits
    options:
      - { text: 5 minutes, feedback: The old limit. }
      - { text: 15 minutes, fraction: 1 }
  - id: e2e-seconds
    type: numeric
    text: The timeout in seconds?
    review: m1/limits
    answers: [{ value: 900 }]
  - id: e2e-tmp
    type: tf
    text: Lambda empties /tmp after every invocation.
    review: m1/limits
    answer: false
    feedback_true: It is kept while the environment lives.
EOF

real="$TUTOR"
cat >"$E2E_TMP/take-quiz" <<EOF
#!/bin/sh
exec '$real' quiz e2e-demo --course '$course'
EOF
chmod +x "$E2E_TMP/take-quiz"
TUTOR="$E2E_TMP/take-quiz"

e2e_start
e2e_wait "Demo quiz"
e2e_wait "3 questions, one at a time"
e2e_keys Enter
e2e_wait "Question 1 of 3"
e2e_wait "Longest invocation?"
e2e_keys 2 Enter
e2e_wait "Correct."
e2e_wait "1 done"

# A crash right after an answer was shown as saved.
pid=$(e2e_pid)
[ -n "$pid" ] || e2e_fail "no tutor process"
kill -9 "$pid"
e2e_wait "EXITED=137"

e2e_start
e2e_wait "Question 2 of 3 · 1 done"
e2e_wait "The timeout in seconds?"
e2e_keys 9 0 0 Enter
e2e_wait "Correct."
e2e_keys Enter
e2e_wait "Lambda empties /tmp"
e2e_keys 1 Enter
e2e_wait "Incorrect."
e2e_wait "It is kept while the environment lives."
e2e_keys Enter
e2e_wait "Score: 2.00 of 3.00 (67%)"
e2e_wait "Passed."
e2e_wait "Review these pages"
e2e_wait "1. One › Limits of a function"
# The page to review opens from the result, and q comes back to it.
e2e_keys 1
e2e_wait "Fifteen minutes."
e2e_keys q
e2e_wait "Score: 2.00 of 3.00 (67%)"
e2e_keys q
e2e_exited 0

out=$("$real" quiz --list --course "$course") || e2e_fail "quiz --list failed"
printf '%s\n' "$out" | grep -q "e2e-demo .*best 67%, passed" || e2e_fail "quiz --list: $out"
echo "ok 1 - a quiz is taken, survives kill -9, and scores 2 of 3"

cat >"$E2E_TMP/quizzes/e2e-polish.yaml" <<'EOF'
id: e2e-polish
title: Polish quiz
pass: 50
shuffle_questions: false
shuffle_options: false
questions:
  - id: e2e-cost
    type: numeric
    text: The monthly bill in dollars?
    answers:
      - { value: 535.68, tolerance: 0.01, tolerance_type: relative, feedback: "Right: about $536 a month." }
    units: [{ unit: USD, multiplier: 1 }, { unit: $, multiplier: 1 }]
    unit_penalty: 0
  - id: e2e-runtime
    type: short
    text: The Node.js runtime identifier?
    hints: [It starts with the language.]
    answers: [{ pattern: nodejs22.x }]
  - id: e2e-order
    type: order
    text: Order the steps.
    items: [Init, Invoke, Shutdown]
EOF
sed -i 's/^quiz: e2e-demo$/quiz: e2e-polish/' "$course/m1/module.yaml"
cat >"$E2E_TMP/take-quiz" <<EOF
#!/bin/sh
exec '$real' quiz e2e-polish --course '$course'
EOF
E2E_COLS=80 E2E_ROWS=24
e2e_start
e2e_wait "Polish quiz"
e2e_keys Enter
e2e_wait "The monthly bill in dollars?"
e2e_wait "type the answer · Enter submit · Tab/Shift-Tab question · Esc leave"
e2e_keys '$' 5 3 5 . 6 8 Enter
e2e_wait 'Right: about $536 a month.'
pane=$(e2e_capture)
case "$pane" in *Correct.*) e2e_fail "the state word and the feedback both say right" ;; esac
case "$pane" in *"unit was missing"*) e2e_fail "a unit note on a right answer" ;; esac
e2e_keys Enter
e2e_wait "The Node.js runtime identifier?"
e2e_keys p y Enter
e2e_wait "Incorrect."
e2e_wait "type a new answer · Enter try again"
# n and p start the next try: typed, not taken for the next and previous question.
e2e_keys n o d e j s 2 2 . x
e2e_wait "nodejs22.x"
e2e_keys Enter
e2e_wait "Mark: 0.67 of 1.00"
e2e_keys Enter
e2e_wait "Order the steps."
e2e_wait "↑↓ move · J/K move item · Enter submit · n/p question · F finish · q leave"
e2e_keys '?'
e2e_wait "Keys: quiz"
e2e_wait "leave; the attempt is kept and resumes"
e2e_wait "H raise your hand"
e2e_keys Escape
e2e_wait_gone "Keys: quiz"
e2e_keys q
e2e_exited 0
echo 'ok 2 - at 80x24: $535.68 is right, one verdict, n/p typed into a try, help and footers fit'
echo "1..2"
