#!/bin/sh
# Keep the architecture honest: each outside library's header is included in one layer only,
# and the layers point one way:
#   core <- store, quiz, course, aws <- cloud, check <- class, tui, cli <- main
# aws/ is what the tutor shares with the cloud (AWS's formats, events, finding the cloud, the
# HTTP client): nothing above it includes or links the cloud (checked below on the sources
# and on meson.build). Inside the cloud, see cloud_layers below.
root=${1:-$(dirname "$0")/..}
cd "$root/src" || exit 2
status=0
only() { # only HEADER-REGEX ALLOWED-DIR...
	pattern=$1
	shift
	allowed=$(printf '%s\n' "$@" | sed 's|^|^|; s|$|/|' | paste -sd'|')
	bad=$(grep -rlE "#include <$pattern>" . | sed 's|^\./||' | grep -vE "$allowed")
	if [ -n "$bad" ]; then
		echo "<$pattern> is included outside $*: $bad"
		status=1
	fi
}
only 'n?curses(w)?(/curses)?\.h' tui
# CloudFormation reads templates in YAML, with its short-form tags and their marks.
only 'yaml\.h' course cloud/cfn
only 'md4c\.h' tui
# The class server (classd/) is the other HTTP server: its own program, as the cloud is.
only 'microhttpd\.h' cloud classd
# GnuTLS makes the class server's certificate (libmicrohttpd serves TLS with it), and the
# learner's tutor reaches a server on TLS with it (class/tls.c, loaded when first needed).
only 'gnutls/[a-z0-9]+\.h' classd class
only 'sqlite3\.h' store cloud
# KMS's AES-GCM, HMAC and random bytes; nothing else speaks to libcrypto.
only 'openssl/[a-z0-9]+\.h' cloud/kms
only 'cbor\.h' cloud/proto
# Lower layers must not include higher ones.
for low in core; do
	bad=$(grep -rlE '#include "(course|store|quiz|aws|cloud|check|tui|cli)/' "$low" 2>/dev/null)
	[ -n "$bad" ] && { echo "core must stay libc-only: $bad"; status=1; }
done
bad=$(grep -rlE '#include "(course|store|quiz|cloud|check|class|tui|cli)/' aws 2>/dev/null)
[ -n "$bad" ] && { echo "aws/ stands on core/ alone: $bad"; status=1; }
bad=$(grep -rlE '#include "cloud/' check class classd tui cli main.c 2>/dev/null)
[ -n "$bad" ] && { echo "the tutor reaches the cloud over HTTP (aws/), never by linking it: $bad"; status=1; }
# ... nor by linking it: the cloud's library is linked by its own program (and the tests) only,
# and the checker, the console and the tutor talk to it over its protocols and control socket.
bad=$(grep -lE '\bcloud_lib\b' */meson.build | grep -v '^cloud/')
[ -n "$bad" ] && { echo "only the cloud's program links cloud_lib: $bad"; status=1; }
bad=$(grep -E '\bapp_libs *\+=.*cloud_lib|lambda_tutor *=.*cloud_lib' cloud/meson.build ../meson.build)
[ -n "$bad" ] && { echo "the tutor links the cloud: $bad"; status=1; }
bad=$(sed -n '/^tutor_deps = /,/]$/p; /^lambda_tutor = executable/,/)$/p' ../meson.build |
	grep -E 'cloud_lib|mhd_dep|microhttpd|crypto')
[ -n "$bad" ] && { echo "the tutor's program links the cloud or its libraries: $bad"; status=1; }
for mid in course store quiz aws cloud check; do
	[ -d "$mid" ] || continue
	bad=$(grep -rlE '#include "(tui|cli)/' "$mid")
	[ -n "$bad" ] && { echo "$mid must not include tui/ or cli/: $bad"; status=1; }
done
# Namespaces, mounts and changes of identity happen in two places: the sandbox of the cloud's
# execution environments (src/cloud/lambda/sandbox*.c), where each is checked at start, and
# src/cli/seal.c, where a setgid install drops its group for good before any command runs.
bad=$(grep -rlE '<sys/mount\.h>|CLONE_NEW[A-Z]+|\b(unshare|setns|chroot|setresuid|setresgid|setgroups)\(|SYS_(pivot_root|setresuid|setresgid|setgroups|capset)' . |
	sed 's|^\./||' | grep -vE '^(cloud/lambda/sandbox(_init)?|cli/seal)\.c$')
if [ -n "$bad" ]; then
	echo "namespaces and identity changes outside cloud/lambda/sandbox*.c and cli/seal.c: $bad"
	status=1
fi
# The class server's program links classd/; nothing the tutor links includes it.
bad=$(grep -rlE '#include "classd/' . | sed 's|^\./||' | grep -vE '^(classd/|classd_main\.c$)')
[ -n "$bad" ] && { echo "only the class server's program includes classd/: $bad"; status=1; }
[ $status = 0 ] && echo "layers: ok"
exit $status
