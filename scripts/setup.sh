#!/usr/bin/env bash
# Installs the system packages HdrOfx needs (Debian 12): OpenEXR (C and C++ libraries), ffmpeg, libtiff, gcc/cmake, npm,
# and the independent decoders the tests check written files with (oiiotool, ImageMagick, tiffcp).
# Idempotent: does nothing when everything is present.
set -euo pipefail
need=()
[ -e /usr/lib/x86_64-linux-gnu/libOpenEXRCore-3_1.so.30 ] || need+=(libopenexr-3-1-30 libopenexr-dev)
command -v oiiotool >/dev/null || need+=(openimageio-tools)
command -v ffmpeg >/dev/null || need+=(ffmpeg)
ls /usr/lib/x86_64-linux-gnu/libtiff.so.6 >/dev/null 2>&1 || need+=(libtiff6)
command -v gcc >/dev/null || need+=(gcc)
command -v cmake >/dev/null || need+=(cmake)
command -v npm >/dev/null || need+=(npm)
[ -x /usr/bin/convert ] || need+=(imagemagick)  # the real one: a stand-in convert may be on PATH
command -v tiffcp >/dev/null || need+=(libtiff-tools)
command -v g++ >/dev/null || need+=(g++)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v dotnet >/dev/null || { echo "setup: the .NET SDK (dotnet) is required" >&2; exit 1; }
