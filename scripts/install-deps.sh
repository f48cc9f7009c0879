#!/usr/bin/env bash
# Installs the Debian 12 packages LeakGuard needs to build, test and benchmark.
# Idempotent: only missing packages are installed. Run as root (or with sudo available).
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential g++ cmake make pkg-config git clang libclang-rt-14-dev clang-format clang-tidy
  # fuzzing (tests/fuzz/run.sh): clang-14 cannot compile libstdc++-12's <expected>; clang-19 can
  clang-19 libclang-rt-19-dev
  # libraries (see DESIGN.md: Dependencies)
  libvectorscan-dev libpcre2-dev libyaml-cpp-dev nlohmann-json3-dev libboost-dev
  libcli11-dev libspdlog-dev libfmt-dev
  # content extraction (src/extract): true type, archives, mail, PDF, OOXML/ODF XML
  libmagic-dev libarchive-dev libgmime-3.0-dev libpoppler-cpp-dev libxml2-dev
  # policies, incidents, evidence, SIEM (src/policy, src/incident): GeoIP country, stores, crypto, TLS
  libmaxminddb-dev libsqlite3-dev libpq-dev libsodium-dev libssl-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev ripgrep curl time procps jq zlib1g-dev wrk
  # real peers started by the integration tests (REAL_COMPONENTS.md)
  postgresql rsyslog rsyslog-openssl python3 squid c-icap postfix swaks sqlite3
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: missing packages (${missing[*]}) and not root; install them or re-run as root" >&2
    exit 2
  fi
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Postfix asks what kind of mail system this is: none (tests run private instances, REAL_COMPONENTS.md).
if [[ " ${missing[*]} " == *" postfix "* ]]; then
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
