#!/bin/sh
# install-clis.sh - install the pinned official provider CLIs from npm, once.
#
# Usage: providers/install-clis.sh claude|gemini|codex ...
#
# Each CLI goes into its own npm prefix below $HUB_CLI_CACHE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/llm-mcp-hub/clis), so a second call finds it
# there and installs nothing. For each name given, prints one line with the
# absolute path of the executable on stdout. Exits non-zero (with a reason on
# stderr) when npm cannot install it. Logs of npm go to stderr.
#
# To add a CLI: one line in pinned_package() and one in exe_name().
set -eu

CACHE="${HUB_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/llm-mcp-hub/clis}"

pinned_package() {
	case "$1" in
	claude) echo "@anthropic-ai/claude-code@2.1.330" ;;
	gemini) echo "@google/gemini-cli@0.61.0" ;;
	codex) echo "@openai/codex@0.169.0" ;;
	*) echo "install-clis.sh: unknown CLI '$1'" >&2; return 1 ;;
	esac
}

exe_name() {
	case "$1" in
	claude) echo "claude" ;;
	gemini) echo "gemini" ;;
	codex) echo "codex" ;;
	*) return 1 ;;
	esac
}

install_one() {
	name=$1
	pkg=$(pinned_package "$name")
	exe=$(exe_name "$name")
	# The directory name carries the pinned version: a new pin installs anew.
	dir="$CACHE/$(echo "$pkg" | tr '/@' '__')"
	bin="$dir/node_modules/.bin/$exe"
	if [ ! -x "$bin" ] || [ ! -f "$dir/.installed" ]; then
		mkdir -p "$dir"
		# One installer at a time per package (several test files may start at once).
		(
			flock 9
			if [ ! -f "$dir/.installed" ]; then
				echo "install-clis.sh: installing $pkg into $dir" >&2
				npm install --prefix "$dir" --no-audit --no-fund \
				    --loglevel=error "$pkg" >&2
				touch "$dir/.installed"
			fi
		) 9>"$dir/.lock"
	fi
	[ -x "$bin" ] || { echo "install-clis.sh: $bin missing after install" >&2; return 1; }
	# Resolve the symlink so callers get the real executable.
	real=$(readlink -f "$bin")
	native_exe "$name" "$dir" "$real"
}

# The executable to run: for codex the native binary of the platform
# package (what bin/codex.js would execve), so that no node runs in the
# jail; for the others the npm bin itself.
native_exe() {
	if [ "$1" = codex ]; then
		case "$(uname -m)" in
		x86_64) triple=x86_64-unknown-linux-musl; pkg=codex-linux-x64 ;;
		aarch64|arm64) triple=aarch64-unknown-linux-musl; pkg=codex-linux-arm64 ;;
		*) triple= ;;
		esac
		native="$2/node_modules/@openai/$pkg/vendor/$triple/bin/codex"
		if [ -n "$triple" ] && [ -x "$native" ]; then
			echo "$native"
			return 0
		fi
	fi
	echo "$3"
}

[ $# -ge 1 ] || { echo "usage: $0 claude|gemini|codex ..." >&2; exit 2; }
for cli in "$@"; do
	install_one "$cli"
done
