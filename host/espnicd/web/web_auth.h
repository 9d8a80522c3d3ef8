/* The web console's authentication pieces, shared by espnicd (checking) and the CLI (`espnic
 * web passwd`, writing): the password file (one scrypt hash, mode 0600), random tokens,
 * constant-time comparison, the Cookie header, and the table of logged-in browser sessions
 * (a session token in an HttpOnly cookie, a CSRF token every write must carry). */
#ifndef ESPNIC_WEB_AUTH_H
#define ESPNIC_WEB_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEB_HASH_MAX	    160			/* "scrypt$N$r$p$salt$hash" */
#define WEB_TOKEN_LEN	    64			/* hex digits of a 32-byte random token */
#define WEB_SESSIONS_MAX    32			/* browser sessions at once; the oldest goes */
#define WEB_SESSION_IDLE_MS (30ull * 60 * 1000) /* a session unused this long ends */
#define WEB_PASSWORD_MIN    8
#define WEB_PASSWORD_MAX    1024

/* password hashed with scrypt (N 2^14, r 8, p 1, a random 16-byte salt) into out as
 * "scrypt$16384$8$1$SALT$HASH" (base64). 0 or a negative errno. */
int web_auth_hash(const char *password, char *out, size_t out_len);
/* 1 when password matches stored, 0 when not, -EINVAL when stored is malformed. The
 * comparison of the derived keys is constant-time. */
int web_auth_verify(const char *password, const char *stored);

/* The password file: the hash of password written to path through a temporary file and a
 * rename, mode 0600 (a symbolic link at path is replaced, never followed). */
int web_auth_write_file(const char *path, const char *password, char *err, size_t err_len);
/* Reads the stored hash; refused (-EPERM) when group or others may read the file. */
int web_auth_read_file(const char *path, char *out, size_t out_len, char *err, size_t err_len);

/* WEB_TOKEN_LEN random hex digits and a NUL into out. 0 or -EIO. */
int web_auth_token(char out[WEB_TOKEN_LEN + 1]);
/* Constant-time equality of two tokens (false when either is NULL or of another length). */
bool web_auth_token_equal(const char *a, const char *b);
/* The value of cookie name in a Cookie header, into out; false when absent or too long. */
bool web_auth_cookie(const char *header, const char *name, char *out, size_t out_len);

struct web_session {
	char token[WEB_TOKEN_LEN + 1]; /* "" = free */
	char csrf[WEB_TOKEN_LEN + 1];
	uint64_t last_used_ms;
};

struct web_sessions {
	struct web_session s[WEB_SESSIONS_MAX];
};

/* A new session (the least recently used one is replaced when the table is full); NULL when
 * no random bytes could be had. */
struct web_session *web_session_new(struct web_sessions *t, uint64_t now_ms);
/* The live session of a cookie's token (its use time moved to now), or NULL; idle ones end. */
struct web_session *web_session_find(struct web_sessions *t, const char *token, uint64_t now_ms);
/* Whether csrf is the session's CSRF token (constant time). */
bool web_session_csrf_ok(const struct web_session *s, const char *csrf);
/* Ends a session (logout); its tokens are wiped. */
void web_session_end(struct web_session *s);

#endif
