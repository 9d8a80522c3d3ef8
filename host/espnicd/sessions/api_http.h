/* espnicd's JSON API over HTTP on a UNIX socket (libmicrohttpd), run inside the daemon's
 * libevent loop: MHD in epoll mode without threads of its own, its epoll descriptor watched
 * by libevent, so every request runs on the daemon's one thread and needs no locking. */
#ifndef ESPNICD_API_HTTP_H
#define ESPNICD_API_HTTP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>
#include <microhttpd.h>

#define API_BODY_MAX (64 * 1024)

struct event;
struct event_base;
struct sessions;
struct api_http;

/* A request body as it arrives (it may hold a PSK: wiped when freed). Past API_BODY_MAX the
 * rest is dropped and too_large set. */
struct api_body {
	char *text;
	size_t len;
	bool too_large;
};
int api_body_append(struct api_body *b, const char *upload, size_t n);
void api_body_free(struct api_body *b);
/* MHD_OPTION_NOTIFY_COMPLETED for requests (*con_cls, calloc'ed) that begin with their body. */
void api_body_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			enum MHD_RequestTerminationCode toe);

/* An MHD daemon started with MHD_USE_EPOLL and no thread, driven by the libevent loop. */
struct api_loop {
	struct MHD_Daemon *mhd;
	struct event *ev_io, *ev_timer;
};
int api_loop_attach(struct api_loop *l, struct event_base *evb, struct MHD_Daemon *mhd);
void api_loop_detach(struct api_loop *l);
/* MHD_OPTION_EXTERNAL_LOGGER into espnicd's log; cls is the prefix (a string, NULL: "api"). */
void api_mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Answers of the API: a body as is, JSON (consumed; NULL or 204: no body), an error as
 * {"http_status", "error_message", "field"}. */
enum MHD_Result api_queue(struct MHD_Connection *c, int status, const char *type, char *text,
			  size_t len);
enum MHD_Result api_send_json(struct MHD_Connection *c, int status, json_t *body);
enum MHD_Result api_send_error(struct MHD_Connection *c, int status, const char *field,
			       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The whole API (/api, /api/v1/ipsec/...) for one request whose body has arrived: the UNIX
 * socket and the web console both answer through it. */
enum MHD_Result api_route(struct MHD_Connection *c, struct sessions *s, const struct api_body *req,
			  const char *url, const char *method);

/* Binds path (an existing socket file is replaced) with mode 0600, or 0660 and group group
 * unless that is (gid_t)-1, and starts serving. Only root, our own user and members of
 * group are served (their credentials checked per connection); others get 403. */
int api_http_start(struct event_base *evb, const char *path, gid_t group, struct sessions *s,
		   struct api_http **out, char *err, size_t err_len);
void api_http_stop(struct api_http *a);

#endif
