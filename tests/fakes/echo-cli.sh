#!/bin/sh
# echo-cli.sh - a tiny text-mode CLI for the generic provider tests.
#
# Reads the prompt on stdin and prints a reply that names its arguments,
# whether stdout is a terminal, and the prompt. On a terminal it also
# writes an escape sequence and CR LF line ends, which the hub must clean.
# A prompt containing [[fail]] makes it exit 3 with a message on stderr;
# [[sleep=N]] makes it sleep N seconds first.
input=$(cat)
case $input in
*'[[fail]]'*) echo "echo-cli: simulated failure" >&2; exit 3 ;;
esac
case $input in
*'[[sleep='*)
	n=${input#*\[\[sleep=}; n=${n%%]]*}
	sleep "$n" ;;
esac
if [ -t 1 ]; then
	printf '\033[1mecho-cli\033[0m tty=yes args=[%s]\r\n' "$*"
else
	printf 'echo-cli tty=no args=[%s]\n' "$*"
fi
printf 'you said: %s\n' "$input"
