#!/usr/bin/env bash
# Publishes the hdrofx CLI as a self-contained NativeAOT binary (net9.0, x86-64-v3) into artifacts/aot/hdrofx:
# what runs on machines without the .NET SDK, such as the lent GPU machine (docs/gpu.md).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
out=artifacts/aot
dotnet publish src/Cli -c Release -r linux-x64 -p:PublishAot=true -o "$out" -nologo -v q
rm -f "$out"/*.dbg "$out"/*.pdb
ls -l "$out/hdrofx" >&2
echo "$out/hdrofx"
