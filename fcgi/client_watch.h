/*
 * client_watch.h - notice, within a fraction of a second, that the HTTP
 * client of a long request went away, while the request thread is busy
 * running a CLI.
 *
 * A FastCGI responder never sees the client's socket. Two signs reach it:
 *   - the web server closes or shuts down the FastCGI connection (lighttpd
 *     does on a client error, and with "tcp-fin-propagate" on a client's
 *     FIN, but only while it watches the client socket: during a stream,
 *     not while it waits for a non-streaming answer);
 *   - the kernel's own view of the client's TCP connection, which the web
 *     server on this host terminates: REMOTE_ADDR:REMOTE_PORT to
 *     SERVER_ADDR:SERVER_PORT, asked with one sock_diag netlink lookup
 *     every CLIENT_WATCH_POLL_MS. Once seen established, a connection in
 *     CLOSE-WAIT (the client sent FIN) or gone means the client left. When
 *     the first lookup cannot find it (another network namespace, a Unix
 *     listener), only the first sign is used.
 * A thread per watch checks both; when either fires, the watch's fd
 * becomes readable, and stays so. Give that fd as watch_fd to the run.
 */
#ifndef CLIENT_WATCH_H
#define CLIENT_WATCH_H

#include <fcgiapp.h>

/* How often the kernel is asked about the client's TCP connection. */
#define CLIENT_WATCH_POLL_MS 200

struct client_watch;

/*
 * Start watching the client of fcgx. Returns a watch (free it with
 * client_watch_stop() before the request is finished), or NULL when no
 * thread could be started; then the caller watches fcgx->ipcFd itself.
 */
struct client_watch *client_watch_start(FCGX_Request *fcgx);

/* The descriptor that becomes readable once the client is gone. */
int client_watch_fd(const struct client_watch *w);

/* 1 once the client was seen to go away. */
int client_watch_fired(const struct client_watch *w);

/* Stop the thread and free the watch. Accepts NULL. */
void client_watch_stop(struct client_watch *w);

#endif
