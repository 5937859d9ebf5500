#!/bin/sh
# Moving around: n/p and the arrows cross module boundaries (from a page going further, n goes
# on to the next module's core path; p from there comes back along the core path), g/G and
# Home/End jump, `?` shows each screen's keys, q and Esc go back one screen at a time.
. "$(dirname "$0")/lib.sh"

module1=$(ls -d "$LESSONS"/01-* | head -1)
module2=$(ls -d "$LESSONS"/02-* | head -1)
n1=$(grep -c '^ *- *id:' "$module1/module.yaml")
last1=$(e2e_page_title "$module1" "$n1" | cut -c1-20)
first2=$(e2e_page_title "$module2" 1 | cut -c1-20)
# The core pages come first; the rest go further.
further1=$(awk '/^pages:/ { p = 1; next } p && /^[^ -]/ { exit } p && /further: true/ { c++ }
	END { print c + 0 }' "$module1/module.yaml")
core1=$((n1 - further1))
lastcore1=$(e2e_page_title "$module1" "$core1" | cut -c1-20)

e2e_start
e2e_wait "Modules"
e2e_keys '?'
e2e_wait "Keys: home"
e2e_keys q
e2e_wait_gone "Keys: home"
e2e_keys j j j k Enter
e2e_wait "Module 2 of"
e2e_keys p
e2e_wait "Module 1 of"
e2e_keys '?'
e2e_wait "Keys: module"
e2e_keys Escape
e2e_keys G Enter
e2e_wait "page $n1/$n1"
e2e_wait "$last1"
e2e_keys n
e2e_wait "page 1/"
e2e_wait "2. "
e2e_wait "$first2"
e2e_keys Left
e2e_wait "page $core1/$n1"
e2e_wait "$lastcore1"
e2e_keys Right
e2e_wait "$first2"
# A resize lays the page out again at the new width.
tmux -L "$E2E_SOCK" resize-window -t e2e -x 140 -y 40
e2e_wait "page 1/"
[ "$(e2e_capture | head -1 | wc -m)" -gt 120 ] || e2e_fail "the title bar did not follow the resize"
e2e_keys G
e2e_wait "· 100%"
# At the end of a page, a resize keeps the end in view.
tmux -L "$E2E_SOCK" resize-window -t e2e -x 100 -y 30
i=0
while [ "$(e2e_capture | head -1 | wc -m)" -gt 110 ]; do
	i=$((i + 1))
	[ $i -lt $((E2E_WAIT * 10)) ] || e2e_fail "the title bar did not follow the resize back"
	sleep 0.1
done
e2e_wait "· 100%"
e2e_keys Home
e2e_wait_gone "· 100%"
e2e_keys '['
e2e_wait "no heading above"
e2e_keys Escape
e2e_wait "Module 2 of"
e2e_keys Escape
e2e_wait "Course progress: 2 of"
e2e_keys q
e2e_exited 0
echo "ok - pages, modules and screens navigate as the keys say"
