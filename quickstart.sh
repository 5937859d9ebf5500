#!/bin/sh
# Set up, build and start lambda-tutor, or run its whole test suite.
#
#   ./quickstart.sh            install what is missing, build, start the tutor
#   ./quickstart.sh test       install what is missing, build, run every test
#
# Extra arguments after "start" go to the tutor (./quickstart.sh start --learner ada).
set -eu
cd "$(dirname "$0")"

mode=${1:-start}
[ $# -gt 0 ] && shift

# Debian packages the build, the local cloud and the tests need.
packages="meson ninja-build pkg-config gcc libncurses-dev libyaml-dev libmd4c-dev libcjson-dev
libsqlite3-dev libmicrohttpd-dev libgnutls28-dev libzip-dev libcbor-dev libssl-dev
libcurl4-openssl-dev python3
python3-boto3 python3-botocore python3-pil awscli tmux curl zip unzip"
if [ "$mode" = test ]; then
	packages="$packages valgrind hyperfine procps"
fi
missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
# Node.js may come from Debian or elsewhere; only a missing command needs the package.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "quickstart: installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q >/dev/null
		# shellcheck disable=SC2086
		apt-get install -y -q $missing >/dev/null
	else
		echo "quickstart: missing Debian packages:$missing" >&2
		echo "quickstart: run this, then run me again:" >&2
		echo "  sudo apt-get install -y$missing" >&2
		exit 2
	fi
fi

# JavaScript packages (the AWS SDK for handlers, peers for tests) live in node_modules/.
if [ -f package.json ] && [ ! -d node_modules ] ||
	{ [ -f package.json ] && [ package.json -nt node_modules ]; }; then
	npm install --no-audit --no-fund --loglevel=error >/dev/null
	touch node_modules
fi
# The AWS API models the cloud's protocol tables are built from (src/cloud/proto/README.md).
models=src/cloud/proto/models
if [ ! -d $models/node_modules/aws-sdk ] || [ $models/package.json -nt $models/node_modules ]; then
	npm install --prefix $models --no-audit --no-fund --loglevel=error >/dev/null
	touch $models/node_modules
fi
# xapi-validation checks the xAPI statements that export writes (tests/integration/class_export.sh).
if [ -f tests/xapi/package.json ] && [ ! -d tests/xapi/node_modules ]; then
	npm install --prefix tests/xapi --no-audit --no-fund --loglevel=error >/dev/null ||
		echo "quickstart: cannot install xapi-validation; xAPI exports are checked structurally" >&2
fi
# Powertools for AWS Lambda (TypeScript) and the X-Ray SDK for Node.js, which
# tests/integration/xray_clients.sh packs as a layer for a Node.js handler.
if [ -f tests/powertools/package.json ] && [ ! -d tests/powertools/node_modules ]; then
	npm install --prefix tests/powertools --no-audit --no-fund --loglevel=error >/dev/null ||
		echo "quickstart: cannot install Powertools; xray_clients skips its Node.js handler" >&2
fi

if [ ! -f build/build.ninja ]; then
	mkdir -p build
	# A build folder left half-configured by an earlier failure is set up afresh.
	if ! meson setup --wipe build >build/setup.log 2>&1 &&
		! meson setup build >build/setup.log 2>&1; then
		cat build/setup.log >&2
		echo "quickstart: meson could not configure the build (log: build/setup.log)" >&2
		exit 1
	fi
fi
if ! meson compile -C build >build/compile.log 2>&1; then
	cat build/compile.log >&2
	echo "quickstart: the build failed (log: build/compile.log)" >&2
	exit 1
fi

case "$mode" in
start)
	exec build/lambda-tutor "$@"
	;;
test)
	exec meson test -C build --print-errorlogs "$@"
	;;
*)
	echo "usage: ./quickstart.sh [start|test] [ARGS...]" >&2
	exit 2
	;;
esac
