/* The exception path's daemon piece alone, for test_exception_port.py: espnicd's
 * exception_port.c (AF_PACKET socket, libevent, the reassembler) on the interface named by
 * the first argument, without a card. Prints {"started": true} when its signals are handled,
 * {"ready": true} once bound (the interface may appear later), and its counters
 * (exc_port_status JSON) on one line for each SIGUSR1; exits 0 on SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>
#include <jansson.h>

#include "dataplane/exception_port.h"
#include "log.h"

static struct exc_port *port;

static void on_bound(void *arg)
{
	(void)arg;
	printf("{\"ready\": true}\n");
	fflush(stdout);
}

static void on_usr1(evutil_socket_t fd, short what, void *arg)
{
	json_t *st = exc_port_status(port);
	char *text = json_dumps(st, JSON_COMPACT);

	(void)fd;
	(void)what;
	(void)arg;
	printf("%s\n", text != NULL ? text : "{}");
	fflush(stdout);
	free(text);
	json_decref(st);
}

static void on_term(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

int main(int argc, char **argv)
{
	struct event_base *base;
	struct event *usr1, *term;
	char err[256];
	unsigned max_frame = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 0;

	if (argc < 2) {
		fprintf(stderr, "usage: exception_port_probe IFNAME [MAX_FRAME]\n");
		return 2;
	}
	log_setup(LOG_LEVEL_DEBUG, false);
	base = event_base_new();
	usr1 = evsignal_new(base, SIGUSR1, on_usr1, NULL);
	term = evsignal_new(base, SIGTERM, on_term, base);
	event_add(usr1, NULL);
	event_add(term, NULL);
	if (exc_port_open(base, argv[1], exc_port_max_packet(max_frame), &port, err, sizeof(err)) <
	    0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("{\"started\": true}\n");
	fflush(stdout);
	exc_port_on_bound(port, on_bound, NULL);
	event_base_dispatch(base);
	exc_port_close(port);
	event_free(usr1);
	event_free(term);
	event_base_free(base);
	return 0;
}
