/* What espnicd does to its own process: not dumpable, no core files, OpenSSL's secure heap
 * for the private keys OpenSSL holds; and, after setup, root dropped for the configured
 * user, keeping only the capabilities a running gateway needs. */
#ifndef ESPNICD_PRIVILEGES_H
#define ESPNICD_PRIVILEGES_H

#include <stddef.h>

/* First thing in main: PR_SET_DUMPABLE 0, RLIMIT_CORE 0, the secure heap. 0 or -errno
 * (err says what failed). */
int priv_harden(char *err, size_t err_len);
/* After the sockets, the card and the API socket are set up: runs as user (a name or a
 * number) from now on, with CAP_NET_ADMIN (routes through the card's interface) and
 * CAP_NET_BIND_SERVICE only, and cannot regain root. 0 or -errno with err. */
int priv_drop(const char *user, char *err, size_t err_len);

#endif
