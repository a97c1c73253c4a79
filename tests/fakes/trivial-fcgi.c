/*
 * trivial-fcgi.c - the smallest useful libfcgi responder: answers every
 * request with a fixed small JSON body. bench/ runs it under the same
 * lighttpd as the hub to show what the hub's quick endpoints cost on top
 * of FastCGI itself.
 *
 *   spawn-fcgi -n -s SOCKET -- trivial-fcgi [--threads N]
 */
#include "config.h"

#include <fcgiapp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t trivial_accept_lock = PTHREAD_MUTEX_INITIALIZER;

static void *
trivial_thread(void *arg)
{
	static const char body[] = "{\"status\":\"ok\"}\n";
	FCGX_Request req;
	int rc;

	(void)arg;
	FCGX_InitRequest(&req, 0, 0);
	for (;;) {
		pthread_mutex_lock(&trivial_accept_lock);
		rc = FCGX_Accept_r(&req);
		pthread_mutex_unlock(&trivial_accept_lock);
		if (rc < 0)
			break;
		FCGX_FPrintF(req.out, "Status: 200 OK\r\nContent-Type: application/json\r\n\r\n");
		FCGX_PutStr(body, (int)sizeof(body) - 1, req.out);
		FCGX_Finish_r(&req);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t tid;
	int threads = 4, i;

	if (argc == 3 && strcmp(argv[1], "--threads") == 0)
		threads = atoi(argv[2]) > 0 ? atoi(argv[2]) : 4;
	FCGX_Init();
	for (i = 1; i < threads; i++)
		pthread_create(&tid, NULL, trivial_thread, NULL);
	trivial_thread(NULL);
	return 0;
}
