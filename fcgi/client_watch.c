/*
 * client_watch.c - notice that the HTTP client of a long request went away.
 *
 * One small thread per watched request polls the FastCGI connection and
 * the stop eventfd with a CLIENT_WATCH_POLL_MS timeout; on each timeout it
 * asks the kernel (sock_diag, an exact-tuple lookup, no privileges needed)
 * for the state of the client's TCP connection. See client_watch.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "client_watch.h"

/* The watch thread's stack: it only polls and asks netlink. */
#define CLIENT_WATCH_STACK_BYTES (128u * 1024u)
/* Longest wait for the kernel's answer to one lookup. */
#define CLIENT_WATCH_NETLINK_MS  100
/* TCP states as the kernel numbers them (include/net/tcp_states.h). */
#define CLIENT_WATCH_TCP_ESTABLISHED 1

/* What the kernel says about the client connection. */
enum client_watch_tcp {
	CLIENT_WATCH_TCP_UNKNOWN = -1,  /* could not ask */
	CLIENT_WATCH_TCP_ABSENT = 0,    /* no such connection */
	CLIENT_WATCH_TCP_OPEN = 1,      /* established */
	CLIENT_WATCH_TCP_CLOSING = 2,   /* another state: the client sent FIN */
};

struct client_watch {
	pthread_t thread;
	int ipc_fd;                 /* the FastCGI connection (not ours) */
	int fire_fd;                /* eventfd: readable once the client left */
	int stop_fd;                /* eventfd: written to stop the thread */
	int nl_fd;                  /* sock_diag netlink socket, or -1 */
	int family;                 /* AF_INET, AF_INET6, or 0: no TCP check */
	struct in6_addr local, peer; /* the first 4 bytes for AF_INET */
	uint16_t local_port, peer_port;
	int fired;                  /* atomic: set once by the thread */
};

/* Parse "addr" and "port" of a CGI variable pair into w (family 0 if not). */
static int
client_watch_parse(const char *addr, const char *port, int *family, struct in6_addr *out,
    uint16_t *out_port)
{
	char *end;
	long p;

	if (addr == NULL || port == NULL)
		return -1;
	p = strtol(port, &end, 10);
	if (*port == '\0' || *end != '\0' || p <= 0 || p > 65535)
		return -1;
	*out_port = (uint16_t)p;
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, addr, out) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, addr, out) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d, as a dual-stack listener
 * reports) as the IPv4 address it is. */
static void
client_watch_unmap(int *family, struct in6_addr *a)
{
	if (*family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(a)) {
		memmove(a, &a->s6_addr[12], 4);
		memset(&a->s6_addr[4], 0, 12);
		*family = AF_INET;
	}
}

/* One exact lookup of the client's connection. */
static enum client_watch_tcp
client_watch_tcp_state(struct client_watch *w)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req;
	union {
		struct nlmsghdr nlh;
		char buf[8192];
	} ans;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct nlmsghdr *h;
	ssize_t n;
	size_t addr_len = w->family == AF_INET ? 4 : 16;

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST;
	req.nlh.nlmsg_seq = 1;
	req.r.sdiag_family = (uint8_t)w->family;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = ~0U;
	req.r.id.idiag_sport = htons(w->local_port);
	req.r.id.idiag_dport = htons(w->peer_port);
	memcpy(req.r.id.idiag_src, &w->local, addr_len);
	memcpy(req.r.id.idiag_dst, &w->peer, addr_len);
	req.r.id.idiag_cookie[0] = req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (sendto(w->nl_fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return CLIENT_WATCH_TCP_UNKNOWN;
	do {
		n = recv(w->nl_fd, &ans, sizeof(ans), 0);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return CLIENT_WATCH_TCP_UNKNOWN;
	for (h = &ans.nlh; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			return e->error == -ENOENT ? CLIENT_WATCH_TCP_ABSENT : CLIENT_WATCH_TCP_UNKNOWN;
		}
		if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
		    h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg))) {
			const struct inet_diag_msg *m = NLMSG_DATA(h);

			/* a lookup of a gone connection may find the listener */
			return m->idiag_state == CLIENT_WATCH_TCP_ESTABLISHED ?
			    CLIENT_WATCH_TCP_OPEN : CLIENT_WATCH_TCP_CLOSING;
		}
	}
	return CLIENT_WATCH_TCP_UNKNOWN;
}

/* Mark the client gone: the fire eventfd becomes readable for good. */
static void
client_watch_fire(struct client_watch *w)
{
	uint64_t one = 1;

	__atomic_store_n(&w->fired, 1, __ATOMIC_RELEASE);
	if (write(w->fire_fd, &one, sizeof(one)) < 0) {
		/* the counter cannot overflow from one write; nothing to do */
	}
}

/* The watch thread: until stopped, or until the client is seen gone. The
 * TCP check only counts once the connection was seen established: a
 * REMOTE_ADDR rewritten from X-Forwarded-For never matches, and the lookup
 * then finds the listener. */
static void *
client_watch_main(void *arg)
{
	struct client_watch *w = arg;
	struct pollfd pfd[2];
	int seen_open = 0, rc;
	enum client_watch_tcp t;

	for (;;) {
		if (w->nl_fd >= 0) {
			t = client_watch_tcp_state(w);
			if (t == CLIENT_WATCH_TCP_OPEN) {
				seen_open = 1;
			} else if (seen_open && t != CLIENT_WATCH_TCP_UNKNOWN) {
				client_watch_fire(w);
				break;
			} else if (!seen_open) {
				/* not visible from here: the FastCGI connection only */
				(void)close(w->nl_fd);
				w->nl_fd = -1;
			}
		}
		pfd[0] = (struct pollfd){ .fd = w->stop_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = w->ipc_fd, .events = POLLIN | POLLRDHUP };
		rc = poll(pfd, 2, CLIENT_WATCH_POLL_MS);
		if (rc < 0 && errno != EINTR)
			break;
		if (rc > 0 && pfd[0].revents != 0)
			break;
		if (rc > 0 && pfd[1].revents != 0) {
			client_watch_fire(w);
			break;
		}
	}
	return NULL;
}

/* Open the sock_diag socket with a receive timeout; -1 when unavailable. */
static int
client_watch_netlink_open(void)
{
	struct timeval tv = { 0, CLIENT_WATCH_NETLINK_MS * 1000 };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		(void)close(fd);
		fd = -1;
	}
	return fd;
}

struct client_watch *
client_watch_start(FCGX_Request *fcgx)
{
	struct client_watch *w = calloc(1, sizeof(*w));
	pthread_attr_t attr;
	int family_peer = 0, ok;

	if (w == NULL)
		return NULL;
	w->ipc_fd = fcgx->ipcFd;
	w->nl_fd = -1;
	w->fire_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	w->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->fire_fd < 0 || w->stop_fd < 0)
		goto fail;
	if (client_watch_parse(FCGX_GetParam("SERVER_ADDR", fcgx->envp),
	    FCGX_GetParam("SERVER_PORT", fcgx->envp), &w->family, &w->local, &w->local_port) == 0 &&
	    client_watch_parse(FCGX_GetParam("REMOTE_ADDR", fcgx->envp),
	    FCGX_GetParam("REMOTE_PORT", fcgx->envp), &family_peer, &w->peer, &w->peer_port) == 0) {
		client_watch_unmap(&w->family, &w->local);
		client_watch_unmap(&family_peer, &w->peer);
		if (family_peer == w->family)
			w->nl_fd = client_watch_netlink_open();
	}
	if (pthread_attr_init(&attr) != 0)
		goto fail;
	(void)pthread_attr_setstacksize(&attr, CLIENT_WATCH_STACK_BYTES);
	ok = pthread_create(&w->thread, &attr, client_watch_main, w) == 0;
	(void)pthread_attr_destroy(&attr);
	if (ok)
		return w;
fail:
	if (w->nl_fd >= 0)
		(void)close(w->nl_fd);
	if (w->fire_fd >= 0)
		(void)close(w->fire_fd);
	if (w->stop_fd >= 0)
		(void)close(w->stop_fd);
	free(w);
	return NULL;
}

int
client_watch_fd(const struct client_watch *w)
{
	return w->fire_fd;
}

int
client_watch_fired(const struct client_watch *w)
{
	return w != NULL && __atomic_load_n(&w->fired, __ATOMIC_ACQUIRE);
}

void
client_watch_stop(struct client_watch *w)
{
	uint64_t one = 1;

	if (w == NULL)
		return;
	if (write(w->stop_fd, &one, sizeof(one)) < 0) {
		/* cannot fail for a fresh eventfd; join below regardless */
	}
	(void)pthread_join(w->thread, NULL);
	if (w->nl_fd >= 0)
		(void)close(w->nl_fd);
	(void)close(w->fire_fd);
	(void)close(w->stop_fd);
	free(w);
}
