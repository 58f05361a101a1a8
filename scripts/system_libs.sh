#!/usr/bin/env bash
# The system libraries Qt needs that a fresh Debian/Ubuntu machine (a server, a CI runner,
# a minimal desktop) may lack. pip cannot install them. As root with apt-get this installs
# the missing ones; otherwise it prints one line with the command and fails.
#   QtMultimedia (the player) loads PulseAudio's client library even when playing nothing;
#   Qt >= 6.5's xcb platform (a real window on X11) needs libxcb-cursor.
set -u
[ "$(uname -s)" = Linux ] || exit 0
command -v ldconfig >/dev/null 2>&1 || exit 0

missing=""
for pair in "libpulse.so.0:libpulse0" "libxcb-cursor.so.0:libxcb-cursor0"; do
  lib=${pair%%:*} pkg=${pair#*:}
  ldconfig -p | grep -q "$lib" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system libraries Qt needs:$missing"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing) >/dev/null \
    && exit 0
  echo "could not install:$missing (apt-get failed)" >&2
  exit 1
fi
echo "council-archive needs system libraries:$missing; install them with: sudo apt-get install$missing" >&2
exit 1
