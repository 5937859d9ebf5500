# handler.sh: the function your runtime runs. Do not change it; write the bootstrap.
#
# greet EVENT prints the answer (JSON) on standard output and returns 0, or prints why
# it failed on standard error and returns 1.
greet() {
  name=$(printf '%s' "$1" | sed -n 's/.*"name" *: *"\([^"]*\)".*/\1/p')
  if [ -z "$name" ]; then
    echo "the event has no name to greet" >&2
    return 1
  fi
  printf '{"greeting": "Hello, %s!"}' "$name"
}
