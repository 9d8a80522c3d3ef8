/* card_events.c: `espnic card events [--follow]`: print the events waiting
 * on the card; with --follow keep waiting on libespnic's event descriptor
 * until SIGINT/SIGTERM (or --count events, or --timeout seconds). */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char ev_usage[] =
    "usage: espnic card [-d DEVICE] events [--follow] [--count N] [--timeout SECONDS]\n"
    "\n"
    "Prints (and removes) the events the card holds: soft and hard lifetimes,\n"
    "sequence number wrap, ACQUIRE. --follow waits for more until interrupted,\n"
    "--count N events have been printed, or --timeout seconds passed.\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void print_event(const struct espnic_event *ev)
{
	printf("%s %s sa %u", espnic_event_name(ev->kind), ev->inbound ? "in" : "out", ev->sa);
	if (ev->kind == ESPNIC_EV_ACQUIRE)
		printf(" rule %u", ev->rule);
	printf("\n");
	fflush(stdout);
}

int card_events_main(int argc, char **argv)
{
	static const struct option opts[] = {{"follow", no_argument, NULL, 'f'},
					     {"count", required_argument, NULL, 'c'},
					     {"timeout", required_argument, NULL, 't'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	bool follow = false;
	uint64_t count = 0, timeout = 0, seen = 0;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			follow = true;
			break;
		case 'c':
			if (cli_u64(optarg, UINT32_MAX, &count) < 0 || count == 0) {
				cli_err("events: bad value for --count: '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 't':
			if (cli_u64(optarg, 86400, &timeout) < 0 || timeout == 0) {
				cli_err("events: bad value for --timeout: '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			printf("%s", ev_usage);
			return 0;
		default:
			fprintf(stderr, "%s", ev_usage);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_err("events: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	espnic_dev *dev = cli_dev();
	if (!dev)
		return EXIT_RUNTIME;
	int fd = -1;
	if (follow && (fd = espnic_event_fd(dev)) < 0) {
		cli_err("%s", espnic_error(dev));
		return EXIT_RUNTIME;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct espnic_event ev;
		int rc;
		while ((rc = espnic_event_next(dev, &ev)) == 1) {
			print_event(&ev);
			if (count && ++seen >= count)
				return 0;
		}
		if (rc < 0) {
			cli_err("%s", espnic_error(dev));
			return EXIT_RUNTIME;
		}
		if (!follow || stop)
			return 0;
		int wait_ms = -1;
		if (timeout) {
			struct timespec t;
			clock_gettime(CLOCK_MONOTONIC, &t);
			long long left = (long long)timeout * 1000 - (t.tv_sec - t0.tv_sec) * 1000 -
					 (t.tv_nsec - t0.tv_nsec) / 1000000;
			if (left <= 0)
				return 0;
			wait_ms = (int)left;
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, wait_ms) < 0 && errno != EINTR) {
			cli_err("events: poll: %s", strerror(errno));
			return EXIT_RUNTIME;
		}
		if (p.revents & (POLLHUP | POLLERR)) {
			cli_err("events: the card went away");
			return EXIT_RUNTIME;
		}
	}
}
