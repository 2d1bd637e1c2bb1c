#!/usr/bin/env bash
# Installs the Debian packages Taifeng needs (only those missing; apt-get as root, or sudo), then
# configures and builds into build/ (or $TAIFENG_BUILD_DIR). Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  cmake g++ make pkg-config ccache
  libhdf5-dev libproj-dev libgdal-dev
  libcli11-dev nlohmann-json3-dev libtomlplusplus-dev
  libsqlite3-dev sqlite3 libxml2-dev libsodium-dev   # warnings: journal, CAP, SHA-256
  libxmlsec1-dev xmlsec1 openssl                     # CAP XML signatures; the tests verify them with xmlsec1
  libzmq3-dev cppzmq-dev python3-zmq                 # warning feed (CURVE), its Python test subscriber
  libcpp-httplib-dev                                 # the web gateway
  chromium chromium-driver fonts-noto-cjk            # the web gateway's browser test (headless) and its screenshot
  libgtest-dev libbenchmark-dev
  libopenmpi-dev openmpi-bin                         # taifeng risk build on MPI ranks (mpirun)
  python3 python3-h5py python3-numpy
  clang libomp-14-dev   # ThreadSanitizer build of the OpenMP core (scripts/test.sh)
  clang-tidy            # the lint stage (scripts/lint.sh)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

BUILD_DIR=${TAIFENG_BUILD_DIR:-build}
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.cache/ccache}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-Release} "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" ${TAIFENG_BUILD_TARGET:+--target $TAIFENG_BUILD_TARGET}
