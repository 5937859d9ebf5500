#!/bin/sh
# y copies the code block on the screen to the clipboard (OSC 52), whole and without the
# reader's indent, ready to paste into an editor.
. "$(dirname "$0")/lib.sh"

src=$(cd "$LESSONS/.." && pwd)
mkdir -p "$E2E_TMP/course"
for d in lessons quizzes scenarios; do
	[ -d "$src/$d" ] && cp -R "$src/$d" "$E2E_TMP/course/"
done
export LAMBDA_TUTOR_COURSE="$E2E_TMP/course/lessons"
module1=$(ls -d "$LAMBDA_TUTOR_COURSE"/01-* | head -1)
file=$(awk '/^ *file:/ { sub(/^ *file: */, ""); gsub(/"/, ""); print; exit }' "$module1/module.yaml")
# Prose first, so that at the end of the page this block is the only code on the screen.
i=0
while [ $i -lt 30 ]; do
	printf '\nFiller paragraph %d.\n' $i >>"$module1/$file"
	i=$((i + 1))
done
cat >>"$module1/$file" <<'MD'

```python
def handler(event, context):
	return {"copied": "from the tutor"}
```
MD

e2e_start
e2e_wait "Modules"
e2e_keys 1 Enter
e2e_wait "page 1/"
e2e_keys G y
e2e_wait "copied 2 lines of code to the clipboard"
buffer=$(tmux -L "$E2E_SOCK" show-buffer 2>/dev/null)
[ "$buffer" = "$(printf 'def handler(event, context):\n    return {"copied": "from the tutor"}')" ] ||
	e2e_fail "the clipboard holds: $buffer"
e2e_keys q q q
e2e_exited 0
echo "ok - y copies the code block on the screen"
