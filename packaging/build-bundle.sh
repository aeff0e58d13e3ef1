#!/usr/bin/env bash
# Builds the OpenFX bundle(s) and a release archive.
#
#   packaging/build-bundle.sh [--rid linux-x64] [--with-examples] [--no-archive] [--test-methods]
#
# 1. native-shim (cmake + the C compiler) -> artifacts/native-shim/<rid>/libhdrofxshim.a
# 2. dotnet publish src/Plugin (NativeAOT, net9.0) linking that static library
# 3. artifacts/bundles/HdrReconstruct.ofx.bundle/Contents/{Info.plist, Linux-x86-64/HdrReconstruct.ofx, Resources/}
# 4. artifacts/release/HdrReconstruct-<version>-<rid>.tar.gz
# --with-examples also builds tests/GainExample into artifacts/bundles/GainExample.ofx.bundle.
# --test-methods builds the plug-in tests' flavour into artifacts/test-bundles/ instead, with the test-only methods
# (tests/Plugin.Tests/Methods) compiled in; never archived. The shipped bundle holds no test code.
# On Windows (win-x64) NativeAOT must run on Windows; the script then writes Contents/Win64/*.ofx.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RID=linux-x64
EXAMPLES=0
ARCHIVE=1
TEST_METHODS=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rid) RID=$2; shift 2 ;;
    --with-examples) EXAMPLES=1; shift ;;
    --no-archive) ARCHIVE=0; shift ;;
    --test-methods) TEST_METHODS=1; ARCHIVE=0; shift ;;
    *) echo "build-bundle: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$RID" in
  linux-x64) ARCHDIR=Linux-x86-64 ;;
  linux-arm64) ARCHDIR=Linux-arm64 ;;
  win-x64) ARCHDIR=Win64 ;;
  osx-*) ARCHDIR=MacOS ;;
  *) echo "build-bundle: unsupported rid $RID" >&2; exit 2 ;;
esac
VERSION=1.2.0
ART=$ROOT/artifacts
SHIM_OUT=$ART/native-shim/$RID
BUNDLES=$ART/bundles
PUBLISH_FLAGS=()
if [ "$TEST_METHODS" = 1 ]; then
  BUNDLES=$ART/test-bundles
  PUBLISH_FLAGS=(-p:HdrOfxTestMethods=true)
fi
mkdir -p "$SHIM_OUT" "$BUNDLES" "$ART/release"

echo "build-bundle: native shim" >&2
cmake -S native-shim -B "$ART/obj/native-shim-$RID" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$ART/obj/native-shim-$RID" --config Release >/dev/null
for f in libhdrofxshim.a hdrofxshim.lib libofxtesthostshim.so ofxtesthostshim.dll; do
  [ -f "$ART/obj/native-shim-$RID/$f" ] && cp -f "$ART/obj/native-shim-$RID/$f" "$SHIM_OUT/"
  [ -f "$ART/obj/native-shim-$RID/Release/$f" ] && cp -f "$ART/obj/native-shim-$RID/Release/$f" "$SHIM_OUT/"
done

# make_bundle PROJECT BINARY_NAME IDENTIFIER ICON
make_bundle() {
  local proj=$1 name=$2 id=$3 icon=$4
  local pub=$ART/obj/publish/$name-$RID$([ "$TEST_METHODS" = 1 ] && echo -test)
  echo "build-bundle: publishing $proj (NativeAOT, $RID)" >&2
  dotnet publish "$proj" -c Release -r "$RID" -nologo -v q -o "$pub" -p:HdrOfxShimDir="$SHIM_OUT" "${PUBLISH_FLAGS[@]}" >&2
  local lib
  case "$RID" in
    win-*) lib=$pub/$name.dll ;;
    osx-*) lib=$pub/$name.dylib ;;
    *) lib=$pub/$name.so ;;
  esac
  [ -f "$lib" ] || { echo "build-bundle: $lib was not produced" >&2; exit 1; }
  local b=$BUNDLES/$name.ofx.bundle
  local tmp=$BUNDLES/.$name.ofx.bundle.tmp
  rm -rf "$tmp"
  mkdir -p "$tmp/Contents/$ARCHDIR" "$tmp/Contents/Resources"
  # The binary's name must match the bundle's name (DESIGN §7).
  cp "$lib" "$tmp/Contents/$ARCHDIR/$name.ofx"
  sed -e "s/@NAME@/$name/g" -e "s/@ID@/$id/g" -e "s/@VERSION@/$VERSION/g" bundle/Contents/Info.plist.in > "$tmp/Contents/Info.plist"
  if [ -n "$icon" ] && [ -f "$icon" ]; then cp "$icon" "$tmp/Contents/Resources/$id.png"; fi
  if [ -d bundle/Contents/Resources/models ] && [ "$name" = HdrReconstruct ]; then cp -r bundle/Contents/Resources/models "$tmp/Contents/Resources/"; fi
  rm -rf "$b"
  mv "$tmp" "$b"
  echo "$b"
}

ICON=bundle/Contents/Resources/org.hdrofx.HdrReconstruct.png
if command -v python3 >/dev/null; then
  python3 packaging/make-icon.py "$ART/obj/org.hdrofx.HdrReconstruct.png" && ICON=$ART/obj/org.hdrofx.HdrReconstruct.png
fi
make_bundle src/Plugin/HdrOfx.Plugin.csproj HdrReconstruct org.hdrofx.HdrReconstruct "$ICON"
if [ "$EXAMPLES" = 1 ]; then
  make_bundle tests/GainExample/GainExample.csproj GainExample org.hdrofx.examples.Gain ""
fi

if [ "$ARCHIVE" = 1 ]; then
  tarball=$ART/release/HdrReconstruct-$VERSION-$RID.tar.gz
  tar -C "$ART/bundles" -czf "$tarball" HdrReconstruct.ofx.bundle
  echo "build-bundle: $tarball" >&2
fi
