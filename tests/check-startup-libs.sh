#!/bin/sh
# The tutor's start-up budget (list in 15 ms, first frame in 50 ms) depends on what the
# binary loads before main(). libcurl and libmicrohttpd bring some thirty libraries of
# their own; only a check and the cloud's server need them, and they load them themselves.
# libzip (with libbz2 and zlib) is loaded by the first package a check zips, and libcrypto
# (some 4 ms of relocation alone) only by the cloud: the tutor's digests are its own.
bin=${1:?usage: check-startup-libs.sh PATH-TO-lambda-tutor}
command -v ldd >/dev/null 2>&1 || exit 77
libs=$(ldd "$bin") || exit 1
bad=$(printf '%s\n' "$libs" | grep -E 'libcurl|libmicrohttpd|libgnutls|libldap|libkrb5|libcrypto|libssl|libzip' |
	awk '{print $1}' | tr '\n' ' ')
if [ -n "$bad" ]; then
	echo "lambda-tutor loads at start-up what only a check or the server needs: $bad"
	exit 1
fi
echo "start-up libraries: $(printf '%s\n' "$libs" | wc -l)"
