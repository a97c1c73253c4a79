#!/bin/sh
# layers.sh - a TAP test: no file includes a project header from a floor
# above its own (docs/ARCHITECTURE.md). Floors, lowest first:
#   common/               nothing else of the project
#   session/, providers/  common/ only (they know nothing of each other)
#   core/                 session/ providers/ common/
#   mcp-stdio/mcp*        core/ and below (never fcgi/)
#   fcgi/                 anything below it (mcp-stdio/mcp.h included)
# The composition roots fcgi/main.c and mcp-stdio/main.c may include
# anything. Each forbidden include is printed as a TAP comment.
cd "${HUB_SRCDIR:-$(dirname "$0")/..}" || exit 2
bad=0
found=""
layers_check() { # folder, regex of the folders it must not include
	for f in "$1"/*.c "$1"/*.h; do
		[ -e "$f" ] || continue
		hits=$(grep -Hn "^#include \"\\($2\\)/" "$f") || continue
		found="$found$hits
"
		bad=1
	done
}
layers_check common    'session\|providers\|core\|fcgi\|mcp-stdio'
layers_check session   'providers\|core\|fcgi\|mcp-stdio'
layers_check providers 'session\|core\|fcgi\|mcp-stdio'
layers_check core      'fcgi\|mcp-stdio'
for f in mcp-stdio/mcp*.c mcp-stdio/mcp*.h; do
	[ -e "$f" ] || continue
	hits=$(grep -Hn '^#include "fcgi/' "$f") || continue
	found="$found$hits
"
	bad=1
done
echo "1..2"
[ -f common/hub_config.c ] && [ -d core ] && echo "ok 1 - the tree has its floors" ||
	echo "not ok 1 - the tree has its floors (common/hub_config.c, core/)"
if [ $bad -eq 0 ]; then
	echo "ok 2 - every include runs down a floor or stays on it"
else
	echo "not ok 2 - includes that run back up a floor:"
	printf '%s' "$found" | sed 's/^/# /'
fi
