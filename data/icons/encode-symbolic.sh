#!/bin/sh
# Encodes one symbolic SVG icon to GTK's .symbolic.png at one size, for data/icons/meson.build:
#   encode-symbolic.sh ENCODER ICON.svg SIZE OUTPUT.symbolic.png
# gtk4-encode-symbolic-svg names its output after the input and writes it into a directory, but
# meson needs one distinct file name per size in one build directory: hence the temporary one.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$1" -o "$tmp" "$2" "$3x$3"
mv "$tmp"/*.symbolic.png "$4"
