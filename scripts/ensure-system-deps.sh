#!/usr/bin/env bash
# Ensure the Debian packages the Kring test suite needs are installed.
#
#   chromium           /usr/bin/chromium, driven by Playwright for Python (browser tests)
#   libzbar0           shared library behind pyzbar (QR code decoding in tests)
#   poppler-utils      pdftoppm / pdftotext (PDF exports)
#   fonts-dejavu-core  one known font set, so rendering is consistent
#   fonts-noto-color-emoji  emoji in colour in the report's cloud and PDF (else empty boxes)
#   nodejs, npm        ESLint on web/static/js (make lint-js; development only)
#
# Quiet and exit 0 when everything is present. Otherwise, as root with apt-get
# available, runs `apt-get update` once and installs what is missing; as anyone
# else, prints the apt command line to run and exits 1.
set -euo pipefail

have_chromium()          { [ -x /usr/bin/chromium ]; }
have_libzbar0()          {
    if command -v dpkg-query >/dev/null 2>&1 &&
        dpkg-query -W -f='${Status}' libzbar0 2>/dev/null | grep 'install ok installed' >/dev/null; then
        return 0
    fi
    local ldconfig
    ldconfig=$(command -v ldconfig || echo /sbin/ldconfig)
    # grep without -q reads all of its input: an early exit would SIGPIPE ldconfig under pipefail.
    [ -x "$ldconfig" ] && "$ldconfig" -p 2>/dev/null | grep 'libzbar\.so\.0' >/dev/null
}
have_poppler_utils()     { command -v pdftoppm >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; }
have_fonts_dejavu_core() { [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; }
have_fonts_noto_color_emoji() { [ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]; }
have_nodejs()            { command -v node >/dev/null 2>&1; }
have_npm()               { command -v npm >/dev/null 2>&1; }

missing=()
have_chromium          || missing+=(chromium)
have_libzbar0          || missing+=(libzbar0)
have_poppler_utils     || missing+=(poppler-utils)
have_fonts_dejavu_core || missing+=(fonts-dejavu-core)
have_fonts_noto_color_emoji || missing+=(fonts-noto-color-emoji)
have_nodejs            || missing+=(nodejs)
have_npm               || missing+=(npm)

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-system-deps: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt_opts=(-q -o Dpkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)
    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    if ! { apt-get "${apt_opts[@]}" update &&
        apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
        cat "$log" >&2
        echo "ensure-system-deps: apt-get failed (output above)" >&2
        exit 1
    fi

    still=()
    have_chromium          || still+=(chromium)
    have_libzbar0          || still+=(libzbar0)
    have_poppler_utils     || still+=(poppler-utils)
    have_fonts_dejavu_core || still+=(fonts-dejavu-core)
    have_fonts_noto_color_emoji || still+=(fonts-noto-color-emoji)
    have_nodejs            || still+=(nodejs)
    have_npm               || still+=(npm)
    if [ "${#still[@]}" -ne 0 ]; then
        echo "ensure-system-deps: still missing after apt-get install: ${still[*]}" >&2
        exit 1
    fi
    echo "ensure-system-deps: installed ${missing[*]}" >&2
    exit 0
fi

{
    echo "ensure-system-deps: missing system packages needed by the test suite: ${missing[*]}"
    echo "Install them (Debian/Ubuntu) with:"
    echo
    echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
    echo
} >&2
exit 1
