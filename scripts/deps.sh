#!/usr/bin/env bash
# Installs what building, the demo and the tests need, from Debian packages only.
# Does nothing when everything is already there.
set -euo pipefail
packages=(build-essential cmake pkg-config libcurl4-openssl-dev libcjson-dev libcmocka-dev
          libmicrohttpd-dev zlib1g-dev python3 python3-prometheus-client prometheus
          prometheus-alertmanager prometheus-pushgateway valgrind curl ca-certificates
          python3-setuptools python3-wheel python3-venv python3-pip  # bindings/python packaging
          clang   # clang: libFuzzer for tests/fuzz/run.sh
          clang-tidy) # scripts/analyze.sh
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
