#!/usr/bin/env bash
# The test command: installs what is missing, builds everything (the independent OpenFX host in shared/ofxhost and the
# NativeAOT CLI included), runs every test project. Where CI=true a test that lacks a tool, bundle or host fails.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
dotnet build HdrOfx.sln -c Release -nologo -v q

# ofxhostrun on the official HostSupport library, plain and with AddressSanitizer (tests/Plugin.Tests/HostSupport).
OFXHOST=${HDROFX_OFXHOST_SRC:-../shared/ofxhost}
if [ -x "$OFXHOST/build.sh" ]; then
  log=$(mktemp)
  # Built inside this checkout: a shared ${TMPDIR}/ofxhostrun-build may hold a CMake cache made from another copy of
  # shared/ofxhost, which cmake refuses to reuse.
  export BUILD=${HDROFX_OFXHOST_BUILD:-$PWD/artifacts/ofxhostrun-build}
  HDROFX_OFXHOSTRUN=$("$OFXHOST/build.sh" 2>"$log") || { cat "$log" >&2; exit 1; }
  HDROFX_OFXHOSTRUN_ASAN=$(SANITIZE=address "$OFXHOST/build.sh" 2>"$log") || { cat "$log" >&2; exit 1; }
  rm -f "$log"
  export HDROFX_OFXHOSTRUN HDROFX_OFXHOSTRUN_ASAN
  export HDROFX_OFX_INCLUDE=${HDROFX_OFX_INCLUDE:-$(cd "$OFXHOST/openfx/include" && pwd)}
else
  echo "test: $OFXHOST/build.sh not found (set HDROFX_OFXHOST_SRC): the HostSupport tests will skip, or fail where CI=true" >&2
fi

# The NativeAOT CLI that the fake-driver test runs.
./scripts/publish-aot.sh >/dev/null

dotnet test HdrOfx.sln -c Release --no-build -nologo -v q --logger "console;verbosity=normal" "$@"
