#!/usr/bin/env sh
# Install Debian's Chromium (for the browser tests) and a CJK font, unless already present.
# Idempotent: does nothing when /usr/bin/chromium exists and a CJK font is installed.
set -eu

need_chromium=0
need_font=0
[ -x /usr/bin/chromium ] || need_chromium=1
if ! fc-list 2>/dev/null | grep -qi -e "wqy" -e "cjk"; then need_font=1; fi

if [ "$need_chromium" -eq 0 ] && [ "$need_font" -eq 0 ]; then
    echo "chromium and a CJK font are already installed"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
packages=""
[ "$need_chromium" -eq 1 ] && packages="$packages chromium"
[ "$need_font" -eq 1 ] && packages="$packages fonts-wqy-microhei"
$SUDO apt-get update
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $packages
/usr/bin/chromium --version
