#!/bin/sh
# Tables never lose text at 80x24: a table with a long cell wraps it over lines (the final
# project's rubric), and a table too wide to wrap scrolls sideways with > and <, as wide code
# does. No cell is cut with "…".
. "$(dirname "$0")/lib.sh"

course="$E2E_TMP/course"
mkdir -p "$course/m1"
cat >"$course/course.yaml" <<'EOF'
id: e2e
title: E2E course
minutes: 20
modules: [m1]
EOF
cat >"$course/m1/module.yaml" <<'EOF'
id: m1
title: Tables
minutes: 20
objectives: [Read tables]
pages: [{id: rubric, title: The rubric, file: rubric.md}]
EOF
cat >"$course/m1/rubric.md" <<'EOF'
# The rubric

| Area | What reviewers look for |
|---|---|
| IAM | One role for the function, least privilege: read on the source bucket (ideally only its `incoming/` prefix), write on the output bucket, publish on one topic, nothing with `*` that could be narrower |
| Cost | The memory size chosen from measurements |

A table of many columns:

| one | two | three | four | five | six | seven | eight | nine | tenth-column |
|---|---|---|---|---|---|---|---|---|---|
| alpha-alpha | beta-beta | gamma-gamma | delta-delta | epsilon-eps | zeta-zeta-z | eta-eta-eta | theta-theta | iota-iota-i | LASTCELL-END |

The end of the page.
EOF
export LAMBDA_TUTOR_COURSE="$course"
E2E_COLS=80 E2E_ROWS=24
e2e_start
e2e_wait "E2E course"
e2e_keys 1 Enter
e2e_wait "The rubric"
e2e_wait "nothing with * that could be"
e2e_wait "│ narrower"
e2e_wait "The memory size chosen from measurements"
e2e_wait "< > sideways"
pane=$(e2e_capture)
case "$pane" in *…*) e2e_fail "a cell was cut" ;; esac
case "$pane" in *LASTCELL-END*) e2e_fail "the wide table fits: no test of scrolling" ;; esac
e2e_wait "alpha-alpha"
i=0
while [ $i -lt 12 ]; do
	e2e_keys '>'
	i=$((i + 1))
done
e2e_wait "LASTCELL-END"
e2e_wait_gone "alpha-alpha"
i=0
while [ $i -lt 12 ]; do
	e2e_keys '<'
	i=$((i + 1))
done
e2e_wait "alpha-alpha"
e2e_keys q q q
e2e_exited 0
echo "ok - at 80x24 a long cell wraps and a table too wide scrolls sideways; nothing is cut"
