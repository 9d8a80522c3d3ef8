/* espnicd's web console: HTTPS (libmicrohttpd with GnuTLS) on the address of the
 * configuration's "web" section, in the daemon's libevent loop like the API. It serves the
 * pages of host/web/ and, to a logged-in browser, the same API as the UNIX socket (the same
 * handlers, api_route), every write checked against the session's CSRF token. */
#ifndef ESPNICD_WEB_CONSOLE_H
#define ESPNICD_WEB_CONSOLE_H

#include <stddef.h>
#include <sys/socket.h>

#include "config/config.h"

struct event_base;
struct sessions;
struct web_console;

/* Starts the console: the certificate (made in state_dir when none is configured), the
 * password file's path (read at each login, so `espnic web passwd` needs no restart). */
int web_console_start(struct event_base *evb, const struct cfg_web *cfg, const char *state_dir,
		      struct sessions *s, struct web_console **out, char *err, size_t err_len);
void web_console_stop(struct web_console *w);

/* A self-signed certificate and its key (mode 0600) for addr, written to the two paths. */
int web_cert_make(const char *cert_path, const char *key_path, const struct sockaddr_storage *addr,
		  char *err, size_t err_len);

#endif
