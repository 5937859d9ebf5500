#!/bin/sh
# Take a small quiz in the terminal: answer one question, kill -9 the tutor, start again and find
# the answer kept; answer the rest (one wrong) and see the score, the marks and the page to
# review, open that page from the result; `quiz --list` then shows the best score.
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
echo "1..1"
