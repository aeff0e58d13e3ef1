#!/usr/bin/env bash
# The test command: installs what is missing, builds everything, runs every test project.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
dotnet build HdrOfx.sln -c Release -nologo -v q
dotnet test HdrOfx.sln -c Release --no-build -nologo -v q --logger "console;verbosity=normal" "$@"
