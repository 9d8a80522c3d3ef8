/* espnicd's JSON API over HTTP on a UNIX socket (libmicrohttpd), run inside the daemon's
 * libevent loop: MHD in epoll mode without threads of its own, its epoll descriptor watched
 * by libevent, so every request runs on the daemon's one thread and needs no locking. */
#ifndef ESPNICD_API_HTTP_H
#define ESPNICD_API_HTTP_H

#include <stddef.h>
#include <sys/types.h>

struct event_base;
struct sessions;
struct api_http;

/* Binds path (an existing socket file is replaced) with mode 0600, or 0660 and group group
 * unless that is (gid_t)-1, and starts serving. Only root, our own user and members of
 * group are served (their credentials checked per connection); others get 403. */
int api_http_start(struct event_base *evb, const char *path, gid_t group, struct sessions *s,
		   struct api_http **out, char *err, size_t err_len);
void api_http_stop(struct api_http *a);

#endif
