/*
 * jail_exec.c - hub-jail-exec, the first program inside the jail.
 *
 * Usage (by bwrap only): hub-jail-exec EXE ARGV0 [ARG...]
 *
 * Runs EXE with argv ARGV0 ARG..., and without the PWD variable that bwrap
 * adds: the CLI sees exactly the argv and environment the adapter built,
 * as it does without a jail (bwrap 0.8 can set neither argv[0] nor an
 * environment without PWD). Exits 127 with a message when EXE cannot run.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	if (argc < 3 || argv[1][0] != '/') {
		fprintf(stderr, "usage: hub-jail-exec /path/to/exe argv0 [arg...]\n");
		return 127;
	}
	(void)unsetenv("PWD");
	execv(argv[1], argv + 2);
	fprintf(stderr, "hub-jail-exec: cannot run %s: %s\n", argv[1], strerror(errno));
	return 127;
}
