#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine and run it.
#   system: GDAL command-line client (real OGC API client test), headless Chromium (browser tests),
#           Noto CJK fonts (Chinese text in static maps), PostgreSQL + PostGIS (store tests, second backend)
#   python: the project with its test extras, in ./.venv
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v ogrinfo >/dev/null 2>&1 || need+=(gdal-bin)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
# PostgreSQL + PostGIS for the store tests on the second backend (the tests start a throwaway cluster)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if $sudo apt-get update -qq; then
        # one package that cannot be installed must not stop the others (the tests needing it skip and say why)
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" || \
            for package in "${need[@]}"; do
                DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$package" || \
                    echo "scripts/test.sh: could not install $package; the tests that need it will skip" >&2
            done
    else
        echo "scripts/test.sh: apt-get update failed; tests needing ${need[*]} will skip" >&2
    fi
fi
# PostGIS for the installed PostgreSQL major version (Debian: postgresql-<major>-postgis-3)
if ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
    major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
    if [ -n "$major" ]; then
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
            --no-install-recommends "postgresql-$major-postgis-3" "postgresql-$major-postgis-3-scripts"; } || \
            echo "scripts/test.sh: could not install PostGIS; the PostGIS store tests will skip" >&2
    fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
exec .venv/bin/python -m pytest "$@"
