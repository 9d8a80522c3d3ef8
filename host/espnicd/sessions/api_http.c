/* The HTTP side of the API: the UNIX socket (bound here, handed to libmicrohttpd with
 * MHD_OPTION_LISTEN_SOCKET), MHD's epoll descriptor in the libevent loop, routing of
 * /api/v1/ipsec/... onto the session manager, JSON bodies in and out, errors as JSON naming
 * the field. Request bodies are wiped once parsed (they may hold a PSK). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

#include "api_http.h"
#include "log.h"
#include "session_mgr.h"

#define API_PREFIX   "/api/v1/ipsec/"
#define CONN_TIMEOUT 30

struct api_http {
	struct MHD_Daemon *mhd;
	struct api_loop loop;
	struct sessions *s;
	int fd;
	gid_t group; /* besides root and our user, who may use the API; (gid_t)-1: nobody */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

struct request {
	struct api_body body; /* first: api_body_completed frees the request */
	bool refused;	      /* the peer is neither root, our user nor in the API group */
	uid_t uid;
};

static void reschedule(struct api_loop *l)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(l->mhd, &ms) == MHD_YES) {
		struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};

		evtimer_add(l->ev_timer, &tv);
	} else {
		evtimer_del(l->ev_timer);
	}
}

static void on_mhd(evutil_socket_t fd, short what, void *arg)
{
	struct api_loop *l = arg;

	(void)fd;
	(void)what;
	MHD_run(l->mhd);
	reschedule(l);
}

int api_loop_attach(struct api_loop *l, struct event_base *evb, struct MHD_Daemon *mhd)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_EPOLL_FD);

	l->mhd = mhd;
	if (info == NULL)
		return -EIO;
	l->ev_io = event_new(evb, info->epoll_fd, EV_READ | EV_PERSIST, on_mhd, l);
	l->ev_timer = evtimer_new(evb, on_mhd, l);
	if (l->ev_io == NULL || l->ev_timer == NULL || event_add(l->ev_io, NULL) < 0)
		return -ENOMEM;
	reschedule(l);
	return 0;
}

void api_loop_detach(struct api_loop *l)
{
	if (l->ev_io != NULL)
		event_free(l->ev_io);
	if (l->ev_timer != NULL)
		event_free(l->ev_timer);
	l->ev_io = l->ev_timer = NULL;
}

int api_body_append(struct api_body *b, const char *upload, size_t n)
{
	char *grown;

	if (b->too_large || b->len + n > API_BODY_MAX) {
		b->too_large = true;
		return 0;
	}
	grown = malloc(b->len + n + 1);
	if (grown == NULL)
		return -ENOMEM;
	if (b->text != NULL) {
		memcpy(grown, b->text, b->len);
		OPENSSL_cleanse(b->text, b->len);
		free(b->text);
	}
	memcpy(grown + b->len, upload, n);
	b->text = grown;
	b->len += n;
	b->text[b->len] = '\0';
	return 0;
}

void api_body_free(struct api_body *b)
{
	if (b->text != NULL) {
		OPENSSL_cleanse(b->text, b->len);
		free(b->text);
	}
	memset(b, 0, sizeof(*b));
}

enum MHD_Result api_queue(struct MHD_Connection *c, int status, const char *type, char *text,
			  size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	if (type != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == 405)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, POST, PUT, PATCH, DELETE");
	ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result api_send_json(struct MHD_Connection *c, int status, json_t *body)
{
	char *text;
	enum MHD_Result ret;

	if (status == 204 || body == NULL) {
		json_decref(body);
		return api_queue(c, status, NULL, (char *)"", 0);
	}
	text = json_dumps(body, JSON_INDENT(2));
	json_decref(body);
	if (text == NULL)
		return MHD_NO;
	ret = api_queue(c, status, "application/json", text, strlen(text));
	free(text);
	return ret;
}

enum MHD_Result api_send_error(struct MHD_Connection *c, int status, const char *field,
			       const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	json_t *body;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	body = json_pack("{s:i, s:s}", "http_status", status, "error_message", msg);
	if (field != NULL && field[0] != '\0')
		json_object_set_new(body, "field", json_string(field));
	return api_send_json(c, status, body);
}

static enum MHD_Result api_send_sm_error(struct MHD_Connection *c, const struct sm_error *e)
{
	return api_send_error(c, e->status ? e->status : 500, e->field, "%s", e->message);
}

static bool is_json(struct MHD_Connection *c)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");

	return ct != NULL && strncasecmp(ct, "application/json", 16) == 0 &&
	       (ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ');
}

/* Splits "a/b/c" into at most 4 segments; returns the count, -1 if more or empty ones. */
static int split(char *path, char *seg[4])
{
	int n = 0;

	for (char *p = strtok(path, "/"); p != NULL; p = strtok(NULL, "/")) {
		if (n == 4)
			return -1;
		seg[n++] = p;
	}
	return n;
}

static enum MHD_Result handle_body(struct MHD_Connection *c, struct sessions *s,
				   const struct api_body *req, enum sm_kind k, const char *name,
				   enum sm_write mode)
{
	json_error_t jerr;
	struct sm_error e = {0};
	json_t *body, *resp = NULL;
	int status;

	if (!is_json(c))
		return api_send_error(c, 415, NULL, "the body must be application/json");
	if (req->too_large)
		return api_send_error(c, 413, NULL, "the body is larger than %d bytes",
				      API_BODY_MAX);
	body = json_loadb(req->text ? req->text : "", req->len, JSON_REJECT_DUPLICATES, &jerr);
	if (body == NULL)
		return api_send_error(c, 400, NULL, "the body is not JSON: line %d column %d: %s",
				      jerr.line, jerr.column, jerr.text);
	status = sessions_write(s, k, name, body, mode, &resp, &e);
	json_decref(body);
	if (status >= 400)
		return api_send_sm_error(c, &e);
	return api_send_json(c, status, resp);
}

enum MHD_Result api_route(struct MHD_Connection *c, struct sessions *s, const struct api_body *req,
			  const char *url, const char *method)
{
	char path[512], *seg[4] = {0};
	struct sm_error e = {0};
	json_t *resp = NULL;
	enum sm_kind k;
	int n, status;
	bool get = strcmp(method, "GET") == 0;

	if (strcmp(url, "/api") == 0 || strcmp(url, "/api/") == 0 || strcmp(url, "/api/v1") == 0) {
		if (!get)
			return api_send_error(c, 405, NULL, "%s is not allowed here", method);
		return api_send_json(
		    c, 200, json_pack("{s:[s], s:s}", "api_versions", "v1", "server", "espnicd"));
	}
	if (strncmp(url, API_PREFIX, strlen(API_PREFIX)) != 0 ||
	    strlen(url) - strlen(API_PREFIX) >= sizeof(path))
		return api_send_error(c, 404, NULL, "no such resource: %s", url);
	strcpy(path, url + strlen(API_PREFIX));
	n = split(path, seg);
	if (n <= 0)
		return api_send_error(c, 404, NULL, "no such resource: %s", url);
	if (n == 1 && (strcmp(seg[0], "statistics") == 0 || strcmp(seg[0], "status") == 0 ||
		       strcmp(seg[0], "card") == 0 || strcmp(seg[0], "events") == 0)) {
		if (!get)
			return api_send_error(c, 405, NULL, "%s is not allowed here", method);
		if (strcmp(seg[0], "card") == 0)
			status = sessions_card(s, &resp, &e);
		else if (strcmp(seg[0], "events") == 0)
			status = sessions_events(s, &resp);
		else
			status = strcmp(seg[0], "statistics") == 0
				     ? sessions_statistics(s, NULL, &resp, &e)
				     : sessions_status(s, NULL, &resp, &e);
		return status >= 400 ? api_send_sm_error(c, &e) : api_send_json(c, status, resp);
	}
	if (sm_kind_from_path(seg[0], &k) < 0)
		return api_send_error(c, 404, NULL, "no such resource: %s", url);
	if (n >= 2 && !sm_name_valid(seg[1]))
		return api_send_error(c, 404, "name", "no %s named \"%s\"", sm_kind_noun(k),
				      seg[1]);
	if (n == 1) {
		if (get) {
			status = sessions_list(s, k, &resp);
			return api_send_json(c, status, resp);
		}
		if (strcmp(method, "POST") == 0)
			return handle_body(c, s, req, k, NULL, SM_CREATE);
		return api_send_error(c, 405, NULL, "%s is not allowed on a collection", method);
	}
	if (n == 2) {
		if (get)
			status = sessions_get(s, k, seg[1], &resp, &e);
		else if (strcmp(method, "PUT") == 0)
			return handle_body(c, s, req, k, seg[1], SM_REPLACE);
		else if (strcmp(method, "PATCH") == 0)
			return handle_body(c, s, req, k, seg[1], SM_MERGE);
		else if (strcmp(method, "DELETE") == 0)
			status = sessions_delete(s, k, seg[1], &e);
		else
			return api_send_error(c, 405, NULL, "%s is not allowed on an object",
					      method);
		return status >= 400 ? api_send_sm_error(c, &e) : api_send_json(c, status, resp);
	}
	if (n == 3 && k == SM_SESSION && strcmp(seg[2], "connect") == 0) {
		if (strcmp(method, "POST") != 0)
			return api_send_error(c, 405, NULL,
					      "%s is not allowed here (POST connects)", method);
		status = sessions_connect(s, seg[1], &resp, &e);
		return status >= 400 ? api_send_sm_error(c, &e) : api_send_json(c, status, resp);
	}
	if (n == 3 && k == SM_SESSION) {
		if (strcmp(seg[2], "status") != 0 && strcmp(seg[2], "statistics") != 0 &&
		    strcmp(seg[2], "peer-config") != 0)
			return api_send_error(c, 404, NULL, "no such resource: %s", url);
		if (!get)
			return api_send_error(c, 405, NULL, "%s is not allowed here", method);
		if (strcmp(seg[2], "status") == 0)
			status = sessions_status(s, seg[1], &resp, &e);
		else if (strcmp(seg[2], "statistics") == 0)
			status = sessions_statistics(s, seg[1], &resp, &e);
		else {
			char *text = NULL;
			enum MHD_Result ret;

			/* It used to return the PSK to whoever could reach the socket. */
			if (MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
							"include_secret") != NULL)
				return api_send_error(
				    c, 400, "include_secret",
				    "include_secret is not available: espnicd never hands out a "
				    "pre-shared key; the configuration has a placeholder, which "
				    "`espnic session peer-config NAME --psk-file FILE --output "
				    "FILE` fills in from your own copy of the key");
			status = sessions_peer_config(
			    s, seg[1],
			    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format"), &text,
			    &e);
			if (status >= 400)
				return api_send_sm_error(c, &e);
			ret = api_queue(c, 200, "text/plain; charset=utf-8", text, strlen(text));
			OPENSSL_cleanse(text, strlen(text));
			free(text);
			return ret;
		}
		return status >= 400 ? api_send_sm_error(c, &e) : api_send_json(c, status, resp);
	}
	return api_send_error(c, 404, NULL, "no such resource: %s", url);
}

/* Whether the process at the other end of c (SO_PEERCRED, its credentials when it connected)
 * is root, our own user, or in the API group (primary or supplementary, SO_PEERGROUPS). */
static bool peer_allowed(const struct api_http *a, struct MHD_Connection *c, uid_t *uid)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct ucred cr;
	socklen_t len = sizeof(cr);
	gid_t groups[256];

	*uid = (uid_t)-1;
	if (ci == NULL || getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return false;
	*uid = cr.uid;
	if (cr.uid == 0 || cr.uid == geteuid())
		return true;
	if (a->group == (gid_t)-1)
		return false;
	if (cr.gid == a->group)
		return true;
	len = sizeof(groups);
	if (getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(groups[0]); i++)
		if (groups[i] == a->group)
			return true;
	return false;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct api_http *a = cls;
	struct request *req = *con_cls;

	(void)version;
	if (req == NULL) {
		req = calloc(1, sizeof(*req));
		if (req == NULL)
			return MHD_NO;
		*con_cls = req;
		req->refused = !peer_allowed(a, c, &req->uid);
		return MHD_YES;
	}
	if (req->refused && *upload_size == 0) {
		log_warn("api: request from uid %u refused: neither root, espnicd's user nor in "
			 "its API group",
			 (unsigned)req->uid);
		return api_send_error(c, 403, NULL,
				      "uid %u may not use this API: only root, espnicd's user and "
				      "members of its api_group may",
				      (unsigned)req->uid);
	}
	if (*upload_size > 0) {
		if (!req->refused && api_body_append(&req->body, upload, *upload_size) < 0)
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	return api_route(c, a->s, &req->body, url, method);
}

void api_body_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			enum MHD_RequestTerminationCode toe)
{
	struct api_body *body = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (body == NULL)
		return;
	api_body_free(body);
	free(body);
	*con_cls = NULL;
}

/* fmt is libmicrohttpd's (the attribute lets clang's -Wformat-nonliteral see that). */
__attribute__((format(printf, 2, 0))) void api_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	log_warn("%s: %s", cls != NULL ? (const char *)cls : "api", buf);
}

/* The socket file is made by bind() with the mode and group it keeps: under a umask that
 * leaves 0600 (0660 with a group) and with the group as our effective group for the moment,
 * so nothing changes it afterwards through a path someone could have swapped. */
static int bind_unix(const char *path, gid_t group, char *err, size_t err_len)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	gid_t egid = getegid();
	struct stat st;
	mode_t mask;
	int fd, ret;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, err_len, "api socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, err_len, "%s exists and is not a socket", path);
			return -EEXIST;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, err_len, "api socket: %s", strerror(errno));
		return ret;
	}
	if (group != (gid_t)-1 && group != egid && setegid(group) < 0) {
		ret = -errno;
		snprintf(err, err_len, "api socket %s: cannot create it with group %u: %s", path,
			 (unsigned)group, strerror(errno));
		close(fd);
		return ret;
	}
	mask = umask(group != (gid_t)-1 ? 0117 : 0177);
	ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ? -errno : 0;
	umask(mask);
	if (getegid() != egid && setegid(egid) < 0)
		abort(); /* we could not return to our own group: nothing safe to continue with */
	if (ret == 0 && listen(fd, 32) < 0)
		ret = -errno;
	if (ret < 0) {
		snprintf(err, err_len, "api socket %s: %s", path, strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
}

int api_http_start(struct event_base *evb, const char *path, gid_t group, struct sessions *s,
		   struct api_http **out, char *err, size_t err_len)
{
	struct api_http *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return -ENOMEM;
	a->s = s;
	a->group = group;
	a->fd = bind_unix(path, group, err, err_len);
	if (a->fd < 0) {
		int ret = a->fd;

		free(a);
		return ret;
	}
	snprintf(a->path, sizeof(a->path), "%s", path);
	/* MHD_USE_EPOLL without MHD_USE_INTERNAL_POLLING_THREAD: no threads, we drive it. */
	a->mhd = MHD_start_daemon(
	    MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, a,
	    MHD_OPTION_EXTERNAL_LOGGER, api_mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, a->fd,
	    MHD_OPTION_NOTIFY_COMPLETED, api_body_completed, a, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)CONN_TIMEOUT, MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_END);
	if (a->mhd == NULL) {
		snprintf(err, err_len, "libmicrohttpd would not start on %s", path);
		close(a->fd);
		unlink(path);
		free(a);
		return -EIO;
	}
	if (api_loop_attach(&a->loop, evb, a->mhd) < 0) {
		snprintf(err, err_len, "libmicrohttpd would not start on %s", path);
		api_http_stop(a);
		return -ENOMEM;
	}
	log_info("API listening on %s", path);
	*out = a;
	return 0;
}

void api_http_stop(struct api_http *a)
{
	if (a == NULL)
		return;
	api_loop_detach(&a->loop);
	MHD_stop_daemon(a->mhd); /* closes the listening socket it was given */
	unlink(a->path);
	free(a);
}
