/* espnicd: the IKEv2 daemon. This file is the process around the core: options, the UDP
 * sockets on 500 and 4500 (non-ESP marker), the libevent loop, signals (SIGTERM deletes the
 * IKE_SAs politely, SIGHUP reloads), an optional status file for tests and scripts, and the
 * process's hardening (privileges.c: not dumpable, root dropped for "user" after setup). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <malloc.h>
#include <openssl/evp.h>

#include "sessions/api_http.h" /* session management API (--state-dir) */
#include "dataplane/dataplane.h"
#include "dataplane/exception_port.h"
#include "ike/espnicd.h"
#include "ike_message.h"
#include "log.h"
#include "privileges.h"
#include "sessions/session_mgr.h"
#include "web/web_console.h"

#define SHUTDOWN_LIMIT_S   15 /* SIGTERM: exit when no IKE_SA went away for this long */
#define RX_BUFFER	   65536
#define STATUS_GAP_MS	   100 /* status file: at most one write per this (large SA lists) */
#define STATUS_EVERY_EVENT 64  /* up to this many SAs, written after every event */

struct daemon {
	struct event_base *base;
	struct espnicd *core;
	struct dp *dp;
	struct exc_port *exc; /* the card's exception path (card_host_if, card backend only) */
	const char *config_path, *status_path;
	int fd_ike, fd_natt;
	uint16_t natt_port;
	struct sockaddr_storage listen;
	struct event *ev_ike, *ev_natt, *ev_timer, *ev_dp, *ev_term, *ev_int, *ev_hup, *ev_force;
	bool stopping;
	unsigned stopping_sas; /* IKE_SAs left at the last shutdown check */
	/* session management API (--state-dir, --api-socket) */
	const char *state_dir, *api_path;
	struct sessions *sessions;
	struct api_http *api;
	struct web_console *web;
	struct cfg_web web_cfg; /* the configuration's "web" section at start */
	/* process settings from the configuration at start (a reload does not change them) */
	char user[64], api_group[64];
	/* The status file is rewritten whole: with many SAs, at most every STATUS_GAP_MS, the
	 * last change written by ev_status when it fires. */
	struct event *ev_status;
	uint64_t status_written_ms;
	/* SHA-256 of what the file holds now (the text itself would cost a few hundred octets per
	 * SA for as long as they live). */
	uint8_t status_digest[32];
	bool status_digest_valid;
};

static uint64_t clock_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool wildcard(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == INADDR_ANY;
	return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static int send_cb(void *arg, enum espnicd_send_kind kind, const struct sockaddr_storage *local,
		   const struct sockaddr_storage *remote, const uint8_t *msg, size_t len)
{
	struct daemon *dm = arg;
	uint16_t lport = ntohs(((const struct sockaddr_in *)local)->sin_port);
	int fd = lport == dm->natt_port ? dm->fd_natt : dm->fd_ike;
	uint8_t buf[IKE_NON_ESP_MARKER_LEN + 65535];
	const uint8_t *out = msg;
	size_t out_len = len;
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} control;
	struct iovec iov;
	struct msghdr mh = {0};

	if (kind == ESPNICD_SEND_IKE && fd == dm->fd_natt) {
		int n = ike_non_esp_prepend(buf, sizeof(buf), msg, len);

		if (n < 0)
			return n;
		out = buf;
		out_len = (size_t)n;
	}
	iov.iov_base = (void *)out;
	iov.iov_len = out_len;
	mh.msg_name = (void *)remote;
	mh.msg_namelen =
	    remote->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (local->ss_family == AF_INET && wildcard(&dm->listen)) {
		/* Answer from the address the peer talks to. */
		struct cmsghdr *cm;
		struct in_pktinfo *pi;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof(control.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
		pi = (struct in_pktinfo *)CMSG_DATA(cm);
		pi->ipi_spec_dst = ((const struct sockaddr_in *)local)->sin_addr;
	}
	return sendmsg(fd, &mh, 0) < 0 ? -errno : 0;
}

/* path replaced whole by text (true once done): written to a new file of an unguessable name in the
 * same directory (mkstemp: O_CREAT|O_EXCL, so nothing planted there, a symbolic link
 * included, is followed), then renamed over path (which replaces a link, never follows it).
 * Mode 0644: it lists SPIs and states, no secrets. */
static bool replace_file(const char *path, const char *text)
{
	char tmp[4096];
	size_t len = strlen(text), done = 0;
	bool ok;
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return false;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		log_warn("status file %s: %s", path, strerror(errno));
		return false;
	}
	ok = fchmod(fd, 0644) == 0;
	while (ok && done < len) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		ok = n > 0;
		done += ok ? (size_t)n : 0;
	}
	err = ok ? 0 : errno ? errno : EIO;
	if (close(fd) < 0 && ok) {
		ok = false;
		err = errno;
	}
	if (ok && rename(tmp, path) < 0) {
		ok = false;
		err = errno;
	}
	if (!ok) {
		log_warn("status file %s: %s", path, strerror(err));
		unlink(tmp);
	}
	return ok;
}

/* The card hands IP fragments from the wire to its host interface behind ethertype 0x88B5;
 * espnicd reassembles them and hands the whole packets back (dataplane/exception_port.c). Only
 * with a card and card_host_if, on card_exception_if if the card's driver gives the path an
 * interface of its own (the simulator's --host-exception TAP), else on card_host_if. The
 * AF_PACKET socket is created here, before privileges are dropped (CAP_NET_RAW is not kept);
 * binding it later, when the interface appears, needs no capability. A failure is logged: the
 * gateway runs on, without reassembly. */
static void open_exception_port(struct daemon *dm, const struct espnicd_config *cfg)
{
	const char *ifname = cfg->exception_if[0] ? cfg->exception_if : cfg->host_if;
	char err[256];

	if (cfg->host_if[0] == '\0' || strcmp(dp_kind(dm->dp), "card") != 0)
		return;
	/* The driver's caps do not carry MAX_FRAME (yet): 2048 */
	if (exc_port_open(dm->base, ifname, exc_port_max_packet(0), &dm->exc, err, sizeof(err)) < 0)
		log_error("%s: IP fragments from the card are dropped", err);
}

static void write_status(struct daemon *dm)
{
	static const char *const states[] = {"",	  "INIT_SENT",	 "INIT_DONE",
					     "AUTH_SENT", "ESTABLISHED", "REKEYED",
					     "DELETING",  "DEAD"};
	unsigned count = espnicd_sa_count(dm->core);
	json_t *sas;

	if (dm->status_path == NULL)
		return;
	sas = json_array();
	for (unsigned i = 0; i < count; i++) {
		struct espnicd_sa_info info;
		char spi_i[17], spi_r[17];
		json_t *children = json_array();

		if (espnicd_sa_info(dm->core, i, &info) < 0)
			break;
		for (int k = 0; k < 8; k++) {
			sprintf(spi_i + 2 * k, "%02x", info.spi_i[k]);
			sprintf(spi_r + 2 * k, "%02x", info.spi_r[k]);
		}
		for (unsigned c = 0; c < info.child_count && c < 8; c++) {
			char in[9], out[9];

			snprintf(in, sizeof(in), "%08x", info.child_spi_in[c]);
			snprintf(out, sizeof(out), "%08x", info.child_spi_out[c]);
			json_array_append_new(children,
					      json_pack("{s:s, s:s}", "in", in, "out", out));
		}
		json_array_append_new(
		    sas, json_pack("{s:s, s:i, s:s, s:b, s:s, s:s, s:b, s:b, s:b, s:o}", "peer",
				   info.peer, "version", info.version, "state",
				   states[info.state & 7], "initiator", info.initiator, "spi_i",
				   spi_i, "spi_r", spi_r, "nat_local", info.nat_local, "nat_remote",
				   info.nat_remote, "encap", info.encap, "children", children));
	}
	json_t *root = json_pack("{s:o}", "ike_sas", sas);
	char *text = root ? json_dumps(root, JSON_COMPACT) : NULL;
	uint8_t digest[32];
	bool same;

	json_decref(root);
	if (text == NULL)
		return;
	if (EVP_Digest(text, strlen(text), digest, NULL, EVP_sha256(), NULL) != 1) {
		free(text);
		return;
	}
	/* Unchanged (a COOKIE answered, a retransmission): no write, so a flood of packets that
	 * change nothing costs no file system work. */
	same = dm->status_digest_valid && memcmp(digest, dm->status_digest, sizeof(digest)) == 0;
	if (!same && replace_file(dm->status_path, text)) { /* else tried on the next change */
		memcpy(dm->status_digest, digest, sizeof(digest));
		dm->status_digest_valid = true;
	}
	free(text);
	/* The JSON of a large SA list was built from many small allocations: their pages go back
	 * to the kernel rather than stay in the heap as resident free space. */
	if (count > STATUS_EVERY_EVENT)
		malloc_trim(0);
}

static void on_status(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *dm = arg;

	(void)fd;
	(void)what;
	dm->status_written_ms = clock_ms(NULL);
	write_status(dm);
}

static void status_changed(struct daemon *dm, uint64_t now)
{
	struct timeval tv = {0, STATUS_GAP_MS * 1000};

	if (dm->status_path == NULL || dm->ev_status == NULL)
		return;
	if ((espnicd_sa_count(dm->core) <= STATUS_EVERY_EVENT ||
	     now >= dm->status_written_ms + STATUS_GAP_MS) &&
	    !evtimer_pending(dm->ev_status, NULL)) {
		dm->status_written_ms = now;
		write_status(dm);
	} else if (!evtimer_pending(dm->ev_status, NULL)) {
		evtimer_add(dm->ev_status, &tv);
	}
}

static void after_event(struct daemon *dm)
{
	uint64_t next = espnicd_next_timer(dm->core), now = clock_ms(NULL);
	struct timeval tv = {0};

	status_changed(dm, now);
	if (dm->stopping && espnicd_idle(dm->core)) {
		event_base_loopexit(dm->base, NULL);
		return;
	}
	if (next == UINT64_MAX) {
		evtimer_del(dm->ev_timer);
		return;
	}
	if (next > now) {
		tv.tv_sec = (time_t)((next - now) / 1000);
		tv.tv_usec = (suseconds_t)((next - now) % 1000) * 1000;
	}
	evtimer_add(dm->ev_timer, &tv);
}

static void on_packet(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *dm = arg;
	static uint8_t buf[RX_BUFFER];
	struct sockaddr_storage remote, local;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr mh = {.msg_name = &remote,
			    .msg_namelen = sizeof(remote),
			    .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = control.buf,
			    .msg_controllen = sizeof(control.buf)};
	socklen_t slen = sizeof(local);
	ssize_t n;

	(void)what;
	n = recvmsg(fd, &mh, MSG_DONTWAIT);
	if (n <= 0)
		return;
	if (getsockname(fd, (struct sockaddr *)&local, &slen) < 0)
		return;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			((struct sockaddr_in *)&local)->sin_addr = pi.ipi_addr;
		}
	}
	if (fd == dm->fd_natt) {
		struct ike_span ike;

		/* ESP on 4500 belongs to the dataplane; keepalives are dropped. */
		if (ike_non_esp_strip(buf, (size_t)n, &ike) != 1)
			return;
		espnicd_receive(dm->core, &local, &remote, ike.ptr, ike.len);
	} else {
		espnicd_receive(dm->core, &local, &remote, buf, (size_t)n);
	}
	after_event(dm);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *dm = arg;

	(void)fd;
	(void)what;
	espnicd_run_timers(dm->core);
	after_event(dm);
}

static void on_dataplane(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *dm = arg;

	(void)fd;
	(void)what;
	espnicd_dataplane_events(dm->core);
	after_event(dm);
}

/* During the shutdown, every SHUTDOWN_LIMIT_S: go on while the deletes make progress (a
 * loaded machine or a slow peer only slows them down), give up when none was answered. */
static void on_force_exit(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *dm = arg;
	struct timeval limit = {SHUTDOWN_LIMIT_S, 0};
	unsigned left = espnicd_sa_count(dm->core);

	(void)fd;
	(void)what;
	if (left < dm->stopping_sas) {
		dm->stopping_sas = left;
		evtimer_add(dm->ev_force, &limit);
		return;
	}
	log_warn("shutdown: some deletes were not answered in time");
	event_base_loopexit(dm->base, NULL);
}

/* Narrows every peer's ESP proposals to what the dataplane carries (espnicd_esp_carried),
 * saying which peers lost some; -1 with the reason in err when a peer has none left. */
static int esp_carried(struct espnicd_config *cfg, const struct dp *dp, char *err, size_t n)
{
	for (unsigned i = 0; i < cfg->peer_count; i++) {
		char why[160];
		int ret = espnicd_esp_carried(&cfg->peers[i], dp, why, sizeof(why));

		if (ret < 0) {
			snprintf(err, n, "peer %.64s: %s", cfg->peers[i].name, why);
			return -1;
		}
		if (ret > 0)
			log_info("peer %s: ESP proposals narrowed to what the %s dataplane carries "
				 "(%s)",
				 cfg->peers[i].name, dp_kind(dp), dp_esp_algorithms(dp));
	}
	return 0;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *dm = arg;

	(void)what;
	if (sig == SIGHUP) {
		struct espnicd_config *cfg;
		char err[256];

		if ((dm->config_path != NULL ? config_load(dm->config_path, &cfg, err, sizeof(err))
					     : config_parse("{}", &cfg, err, sizeof(err))) < 0) {
			log_error("reload failed, keeping the running configuration: %s", err);
		} else if (esp_carried(cfg, dm->dp, err, sizeof(err)) < 0) {
			log_error("reload failed, keeping the running configuration: %s", err);
			config_free(cfg);
		} else {
			log_setup((enum log_level)cfg->log_level, cfg->log_syslog);
			if (dm->sessions != NULL)
				sessions_set_base(dm->sessions, cfg); /* file + sessions */
			else
				espnicd_reload(dm->core, cfg);
		}
	} else if (!dm->stopping) {
		struct timeval limit = {SHUTDOWN_LIMIT_S, 0};

		log_info("signal %d: deleting IKE_SAs and stopping", (int)sig);
		dm->stopping = true;
		dm->stopping_sas = espnicd_sa_count(dm->core);
		espnicd_shutdown(dm->core);
		dm->ev_force = evtimer_new(dm->base, on_force_exit, dm);
		if (dm->ev_force != NULL)
			evtimer_add(dm->ev_force, &limit);
	}
	after_event(dm);
}

/* ---- session management API glue ---- */
static void after_cb(void *arg)
{
	after_event(arg);
}

static void sa_closed_cb(void *arg, const char *peer, const char *why)
{
	struct daemon *dm = arg;

	if (dm->sessions != NULL)
		sessions_sa_closed(dm->sessions, peer, why);
}

/* Loads the state directory and replaces *cfg by the file's peers plus the sessions; *base
 * keeps the file's configuration. */
static int sessions_setup(struct daemon *dm, struct espnicd_config **cfg,
			  struct espnicd_config **base)
{
	struct espnicd_config *merged;
	struct sm_error e;
	char err[512];

	if (dm->api_path == NULL)
		dm->api_path = "/run/espnicd/api.sock";
	if (sessions_open(dm->state_dir, &dm->sessions, err, sizeof(err)) < 0) {
		fprintf(stderr, "espnicd: %s\n", err);
		return -1;
	}
	if (sessions_merge(dm->sessions, *cfg, &merged, &e) < 0) {
		fprintf(stderr, "espnicd: sessions in %s: %s\n", dm->state_dir, e.message);
		return -1;
	}
	*base = *cfg;
	*cfg = merged;
	return 0;
}
/* ---- end of the session management API glue ---- */

static int open_socket(const struct sockaddr_storage *listen, uint16_t port)
{
	struct sockaddr_storage a = *listen;
	int one = 1, fd;

	((struct sockaddr_in *)&a)->sin_port = htons(port);
	fd = socket(a.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (a.ss_family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a,
		 a.ss_family == AF_INET ? sizeof(struct sockaddr_in)
					: sizeof(struct sockaddr_in6)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* A group by name or number; (gid_t)-1 for "" or an unknown one (*bad set). */
static gid_t group_id(const char *name, bool *bad)
{
	const struct group *g;
	char *end;
	unsigned long n;

	*bad = false;
	if (name[0] == '\0')
		return (gid_t)-1;
	n = strtoul(name, &end, 10);
	if (*end == '\0' && end != name && n < (gid_t)-1)
		return (gid_t)n;
	g = getgrnam(name);
	*bad = g == NULL;
	return g ? g->gr_gid : (gid_t)-1;
}

/* Once running as "user": the directories written from now on must be writable, or the
 * failures would only show later (a status file never updated, API changes not saved). */
static int writable_after_drop(const struct daemon *dm, char *err, size_t err_len)
{
	char dir[4096];
	const char *slash;

	if (dm->state_dir != NULL && access(dm->state_dir, W_OK | X_OK) < 0) {
		snprintf(err, err_len, "user \"%s\" cannot write the state directory %.200s: %s",
			 dm->user, dm->state_dir, strerror(errno));
		return -1;
	}
	if (dm->status_path == NULL)
		return 0;
	slash = strrchr(dm->status_path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - dm->status_path) + 1 : 1,
		 slash ? dm->status_path : ".");
	if (access(dir, W_OK | X_OK) < 0) {
		snprintf(err, err_len,
			 "user \"%s\" cannot write the status file's directory %.200s: %s",
			 dm->user, dir, strerror(errno));
		return -1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: espnicd -c CONFIG [-s STATUS_FILE] [-d] [-S STATE_DIR [-a SOCKET]]\n"
		   "  -c  configuration file (JSON, see host/espnicd/README.md); optional\n"
		   "      with -S (then the defaults apply)\n"
		   "  -S, --state-dir   sessions, profiles and endpoints made through the API\n"
		   "  -a, --api-socket  the API's UNIX socket (default /run/espnicd/api.sock)\n"
		   "  -s  write the IKE_SA list as JSON to this file after every event\n"
		   "  -d  debug logging (overrides log_level)\n"
		   "  -h, --help     this text\n"
		   "  -V, --version  the version\n");
}

int main(int argc, char **argv)
{
	struct daemon dm = {.fd_ike = -1, .fd_natt = -1};
	struct espnicd_config *cfg, *base = NULL;
	struct espnicd_io io = {.now_ms = clock_ms, .send = send_cb, .sa_closed = sa_closed_cb};
	static const struct option longopts[] = {{"state-dir", required_argument, NULL, 'S'},
						 {"api-socket", required_argument, NULL, 'a'},
						 {"help", no_argument, NULL, 'h'},
						 {"version", no_argument, NULL, 'V'},
						 {NULL, 0, NULL, 0}};
	bool debug = false;
	char err[256];
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "c:s:dhVS:a:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'S':
			dm.state_dir = optarg;
			break;
		case 'a':
			dm.api_path = optarg;
			break;
		case 'c':
			dm.config_path = optarg;
			break;
		case 's':
			dm.status_path = optarg;
			break;
		case 'd':
			debug = true;
			break;
		case 'V':
			printf("espnicd %s\n", ESPNIC_RELEASE);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (dm.config_path == NULL && dm.state_dir == NULL) {
		usage(stderr);
		return 2;
	}
	/* Before any secret is read: no core dump, no ptrace by others of our uid. */
	if (priv_harden(err, sizeof(err)) < 0) {
		fprintf(stderr, "espnicd: %s\n", err);
		return 1;
	}
	if ((dm.config_path != NULL ? config_load(dm.config_path, &cfg, err, sizeof(err))
				    : config_parse("{}", &cfg, err, sizeof(err))) < 0) {
		fprintf(stderr, "espnicd: %s\n", err);
		return 1;
	}
	memcpy(dm.user, cfg->user, sizeof(dm.user));
	memcpy(dm.api_group, cfg->api_group, sizeof(dm.api_group));
	dm.web_cfg = cfg->web;
	if (dm.web_cfg.enabled && dm.state_dir == NULL) {
		fprintf(stderr,
			"espnicd: the web console (\"web\") needs a state directory (-S)\n");
		config_free(cfg);
		return 1;
	}
	if (dm.state_dir != NULL && sessions_setup(&dm, &cfg, &base) < 0) {
		config_free(cfg);
		sessions_free(dm.sessions);
		return 1;
	}
	log_setup(debug ? LOG_LEVEL_DEBUG : (enum log_level)cfg->log_level, cfg->log_syslog);
	signal(SIGPIPE, SIG_IGN);
	if (cfg->dataplane[0] == '\0') {
		/* A gateway that silently recorded its SAs instead of programming the card would
		 * carry nothing, or let traffic pass in the clear: the dataplane is required. */
		log_error("the configuration names no dataplane: add \"dataplane\": "
			  "\"card:sim:NAME\" (or card:pci:ADDRESS) for an espnic card, or "
			  "\"record:PATH\" to only record the SAs (tests)");
		config_free(cfg);
		sessions_free(dm.sessions);
		return 1;
	}
	ret = dp_open(cfg->dataplane, &dm.dp);
	if (ret < 0) {
		log_error("dataplane \"%s\": %s", cfg->dataplane, strerror(-ret));
		config_free(cfg);
		return 1;
	}
	if (esp_carried(cfg, dm.dp, err, sizeof(err)) < 0) {
		log_error("%s", err);
		dp_close(dm.dp);
		config_free(cfg);
		return 1;
	}
	ret = espnicd_set_ike_bypass(cfg, dm.dp);
	if (ret < 0) {
		log_error("dataplane: cannot let IKE on UDP %u/%u pass: %s", cfg->port,
			  cfg->natt_port, strerror(-ret));
		dp_close(dm.dp);
		config_free(cfg);
		return 1;
	}
	dm.listen = cfg->listen;
	dm.natt_port = cfg->natt_port;
	dm.fd_ike = open_socket(&cfg->listen, cfg->port);
	dm.fd_natt = open_socket(&cfg->listen, cfg->natt_port);
	if (dm.fd_ike < 0 || dm.fd_natt < 0) {
		log_error("cannot bind UDP %u/%u: %s", cfg->port, cfg->natt_port,
			  strerror(-(dm.fd_ike < 0 ? dm.fd_ike : dm.fd_natt)));
		config_free(cfg);
		dp_close(dm.dp);
		return 1;
	}
	io.arg = &dm;
	dm.base = event_base_new();
	if (dm.base == NULL || espnicd_new(cfg, dm.dp, &io, &dm.core) < 0) {
		log_error("out of memory");
		return 1;
	}
	dm.ev_ike = event_new(dm.base, dm.fd_ike, EV_READ | EV_PERSIST, on_packet, &dm);
	dm.ev_natt = event_new(dm.base, dm.fd_natt, EV_READ | EV_PERSIST, on_packet, &dm);
	dm.ev_timer = evtimer_new(dm.base, on_timer, &dm);
	dm.ev_status = evtimer_new(dm.base, on_status, &dm);
	dm.ev_dp = dp_event_fd(dm.dp) >= 0 ? event_new(dm.base, dp_event_fd(dm.dp),
						       EV_READ | EV_PERSIST, on_dataplane, &dm)
					   : NULL;
	open_exception_port(&dm, espnicd_config(dm.core));
	dm.ev_term = evsignal_new(dm.base, SIGTERM, on_signal, &dm);
	dm.ev_int = evsignal_new(dm.base, SIGINT, on_signal, &dm);
	dm.ev_hup = evsignal_new(dm.base, SIGHUP, on_signal, &dm);
	event_add(dm.ev_ike, NULL);
	event_add(dm.ev_natt, NULL);
	if (dm.ev_dp != NULL)
		event_add(dm.ev_dp, NULL);
	event_add(dm.ev_term, NULL);
	event_add(dm.ev_int, NULL);
	event_add(dm.ev_hup, NULL);
	if (dm.sessions != NULL) {
		bool bad;
		gid_t group = group_id(dm.api_group, &bad);

		sessions_attach(dm.sessions, dm.core, dm.dp, dm.base, base, after_cb, &dm);
		sessions_set_exception_port(dm.sessions, dm.exc);
		config_free(base);
		if (bad) {
			log_error("api_group \"%s\": no such group", dm.api_group);
			return 1;
		}
		if (api_http_start(dm.base, dm.api_path, group, dm.sessions, &dm.api, err,
				   sizeof(err)) < 0) {
			log_error("%s", err);
			return 1;
		}
		if (dm.web_cfg.enabled &&
		    web_console_start(dm.base, &dm.web_cfg, dm.state_dir, dm.sessions, &dm.web, err,
				      sizeof(err)) < 0) {
			log_error("%s", err);
			return 1;
		}
	}
	/* Everything that needs root is done: the sockets, the card, the API socket. */
	if (dm.user[0] != '\0' && (priv_drop(dm.user, err, sizeof(err)) < 0 ||
				   writable_after_drop(&dm, err, sizeof(err)) < 0)) {
		log_error("%s", err);
		return 1;
	}
	log_info("espnicd started: %u peers, UDP %u and %u, dataplane %s",
		 espnicd_config(dm.core)->peer_count, espnicd_config(dm.core)->port, dm.natt_port,
		 dp_kind(dm.dp));
	espnicd_start(dm.core);
	after_event(&dm);
	event_base_dispatch(dm.base);
	if (dm.ev_status != NULL && evtimer_pending(dm.ev_status, NULL))
		write_status(&dm); /* the last change */
	log_info("espnicd stopped");
	web_console_stop(dm.web);
	api_http_stop(dm.api);
	espnicd_free(dm.core);
	sessions_free(dm.sessions);
	exc_port_close(dm.exc);
	dp_close(dm.dp);
	event_free(dm.ev_ike);
	event_free(dm.ev_natt);
	event_free(dm.ev_timer);
	if (dm.ev_status != NULL)
		event_free(dm.ev_status);
	if (dm.ev_dp != NULL)
		event_free(dm.ev_dp);
	event_free(dm.ev_term);
	event_free(dm.ev_int);
	event_free(dm.ev_hup);
	if (dm.ev_force != NULL)
		event_free(dm.ev_force);
	event_base_free(dm.base);
	close(dm.fd_ike);
	close(dm.fd_natt);
	return 0;
}
