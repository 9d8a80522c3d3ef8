/* The web console's server (web_console.h): HTTPS through libmicrohttpd and GnuTLS on the
 * daemon's one thread; login (the scrypt hash of `espnic web passwd`), browser sessions in
 * Secure, HttpOnly, SameSite=Strict cookies, a CSRF token every write must carry in the
 * X-CSRF-Token header, the static pages of host/web/ and Chart.js, and the API itself
 * through api_route: no second model, the same validation and write-only secrets. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

#include "log.h"
#include "sessions/api_http.h"
#include "web_auth.h"
#include "web_console.h"

#ifndef ESPNIC_WEB_ROOT /* the pages in the source tree (CMake sets it) */
#define ESPNIC_WEB_ROOT "/usr/share/espnic/web"
#endif
#ifndef ESPNIC_WEB_ROOT_INSTALLED /* where `make install` puts them */
#define ESPNIC_WEB_ROOT_INSTALLED "/usr/share/espnic/web"
#endif
#define CHART_JS_DEBIAN "/usr/share/javascript/chart.js/chart.min.js"
#define COOKIE		"__Host-espnic-session"
#define FILE_MAX	(4 * 1024 * 1024)
#define LOGIN_FAILURES	5     /* wrong passwords in a row before a pause */
#define LOGIN_PAUSE_MS	30000 /* no login attempts for this long after them */
#define CONN_TIMEOUT	30

struct web_console {
	struct MHD_Daemon *mhd;
	struct api_loop loop;
	struct sessions *s;
	struct web_sessions browsers;
	char root[256], password_file[4096];
	char *cert_pem, *key_pem;
	size_t key_len;
	unsigned failures;
	uint64_t paused_until_ms;
};

static const struct {
	const char *url, *file, *type;
} pages[] = {
    {"/", "index.html", "text/html; charset=utf-8"},
    {"/index.html", "index.html", "text/html; charset=utf-8"},
    {"/app.js", "app.js", "text/javascript; charset=utf-8"},
    {"/style.css", "style.css", "text/css; charset=utf-8"},
    {"/chart.js", "chart.umd.js", "text/javascript; charset=utf-8"},
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The whole file at path (NUL-terminated, malloc'ed) or NULL. */
static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *text = NULL;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < FILE_MAX) {
		text = malloc((size_t)st.st_size + 1);
		if (text != NULL && read(fd, text, (size_t)st.st_size) != st.st_size) {
			free(text);
			text = NULL;
		}
		if (text != NULL) {
			text[st.st_size] = '\0';
			*len = (size_t)st.st_size;
		}
	}
	close(fd);
	return text;
}

/* The headers every page gets: nothing from elsewhere, no framing, no sniffing, HTTPS only. */
static void harden(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data:; object-src 'none'; "
				"frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
}

static enum MHD_Result send_page(struct web_console *w, struct MHD_Connection *c, size_t i)
{
	char path[512];
	size_t len = 0;
	char *text;
	struct MHD_Response *r;
	enum MHD_Result ret;

	snprintf(path, sizeof(path), "%s/%s", w->root, pages[i].file);
	text = read_file(path, &len);
	if (text == NULL && strcmp(pages[i].file, "chart.umd.js") == 0)
		text = read_file(CHART_JS_DEBIAN, &len);
	if (text == NULL)
		return api_send_error(c, 404, NULL, "%s is missing on the server", pages[i].file);
	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, pages[i].type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Cache-Control", "no-cache");
	harden(r);
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

/* A JSON answer with a Set-Cookie header (login, logout). */
static enum MHD_Result send_with_cookie(struct MHD_Connection *c, int status, json_t *body,
					const char *cookie)
{
	char *text = json_dumps(body, 0);
	struct MHD_Response *r;
	enum MHD_Result ret;

	json_decref(body);
	if (text == NULL)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	harden(r);
	ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static struct web_session *browser(struct web_console *w, struct MHD_Connection *c)
{
	const char *header = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie");
	char token[WEB_TOKEN_LEN + 1];
	struct web_session *s;

	if (header == NULL || !web_auth_cookie(header, COOKIE, token, sizeof(token)))
		return NULL;
	s = web_session_find(&w->browsers, token, now_ms());
	OPENSSL_cleanse(token, sizeof(token));
	return s;
}

static bool csrf_ok(struct MHD_Connection *c, const struct web_session *s)
{
	return web_session_csrf_ok(s,
				   MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token"));
}

static enum MHD_Result login(struct web_console *w, struct MHD_Connection *c,
			     const struct api_body *body)
{
	char stored[WEB_HASH_MAX + 16], err[512], cookie[256];
	json_error_t jerr;
	json_t *in;
	const char *password;
	struct web_session *s;
	uint64_t now = now_ms();
	int ok;

	if (now < w->paused_until_ms)
		return api_send_error(c, 429, NULL, "too many wrong passwords: try again in %u s",
				      (unsigned)((w->paused_until_ms - now + 999) / 1000));
	in = body->too_large ? NULL : json_loadb(body->text ? body->text : "", body->len, 0, &jerr);
	password = json_string_value(json_object_get(in, "password"));
	if (password == NULL) {
		json_decref(in);
		return api_send_error(c, 400, "password",
				      "the body must be JSON with the \"password\"");
	}
	if (web_auth_read_file(w->password_file, stored, sizeof(stored), err, sizeof(err)) < 0) {
		json_decref(in);
		log_warn("web console: login refused: %s", err);
		return api_send_error(c, 503, NULL,
				      "no console password is set: run `espnic web passwd` on "
				      "the gateway");
	}
	ok = web_auth_verify(password, stored);
	json_decref(in); /* jansson wipes what it frees (store_wipe_json_memory) */
	OPENSSL_cleanse(stored, sizeof(stored));
	if (ok != 1) {
		if (++w->failures >= LOGIN_FAILURES) {
			w->failures = 0;
			w->paused_until_ms = now + LOGIN_PAUSE_MS;
		}
		log_warn("web console: wrong password%s",
			 w->paused_until_ms > now ? " (logins paused)" : "");
		return api_send_error(c, 401, "password", "wrong password");
	}
	w->failures = 0;
	s = web_session_new(&w->browsers, now);
	if (s == NULL)
		return api_send_error(c, 500, NULL, "no random bytes for a session");
	snprintf(cookie, sizeof(cookie), COOKIE "=%s; Path=/; Secure; HttpOnly; SameSite=Strict",
		 s->token);
	log_info("web console: logged in");
	return send_with_cookie(c, 200, json_pack("{s:s}", "csrf_token", s->csrf), cookie);
}

static enum MHD_Result handle(struct web_console *w, struct MHD_Connection *c,
			      const struct api_body *body, const char *url, const char *method)
{
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	struct web_session *s;

	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		if (strcmp(url, pages[i].url) == 0)
			return get ? send_page(w, c, i)
				   : api_send_error(c, 405, NULL, "%s is not allowed here", method);
	if (strcmp(url, "/login") == 0) {
		if (strcmp(method, "POST") != 0)
			return api_send_error(c, 405, NULL, "%s is not allowed here", method);
		return login(w, c, body);
	}
	s = browser(w, c);
	if (s == NULL)
		return api_send_error(c, 401, NULL, "not logged in");
	if (strcmp(url, "/whoami") == 0)
		return api_send_json(c, 200, json_pack("{s:s}", "csrf_token", s->csrf));
	if (!get && !csrf_ok(c, s)) {
		log_warn("web console: %s %s refused: missing or wrong CSRF token", method, url);
		return api_send_error(c, 403, NULL,
				      "missing or wrong CSRF token (X-CSRF-Token): reload the "
				      "page");
	}
	if (strcmp(url, "/logout") == 0) {
		web_session_end(s);
		return send_with_cookie(c, 200, json_pack("{s:b}", "logged_out", 1),
					COOKIE "=; Path=/; Secure; HttpOnly; SameSite=Strict; "
					       "Max-Age=0");
	}
	if (strncmp(url, "/api", 4) == 0)
		return api_route(c, w->s, body, url, method);
	return api_send_error(c, 404, NULL, "no such page: %s", url);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct api_body *body = *con_cls;

	(void)version;
	if (body == NULL) {
		*con_cls = calloc(1, sizeof(*body));
		return *con_cls != NULL ? MHD_YES : MHD_NO;
	}
	if (*upload_size > 0) {
		if (api_body_append(body, upload, *upload_size) < 0)
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	return handle(cls, c, body, url, method);
}

static void free_console(struct web_console *w)
{
	free(w->cert_pem);
	if (w->key_pem != NULL)
		OPENSSL_cleanse(w->key_pem, w->key_len);
	free(w->key_pem);
	OPENSSL_cleanse(&w->browsers, sizeof(w->browsers));
	free(w);
}

int web_console_start(struct event_base *evb, const struct cfg_web *cfg, const char *state_dir,
		      struct sessions *s, struct web_console **out, char *err, size_t err_len)
{
	struct web_console *w;
	char cert[4096], key[4096], addr[INET6_ADDRSTRLEN];
	size_t len;
	uint16_t port;

	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		snprintf(err, err_len, "web console: libmicrohttpd was built without TLS");
		return -ENOTSUP;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	w->s = s;
	snprintf(w->root, sizeof(w->root), "%s",
		 cfg->root[0]					    ? cfg->root
		 : access(ESPNIC_WEB_ROOT "/index.html", R_OK) == 0 ? ESPNIC_WEB_ROOT
								    : ESPNIC_WEB_ROOT_INSTALLED);
	if (cfg->password_file[0])
		snprintf(w->password_file, sizeof(w->password_file), "%s", cfg->password_file);
	else
		snprintf(w->password_file, sizeof(w->password_file), "%s/web-password", state_dir);
	if (cfg->certificate[0]) {
		snprintf(cert, sizeof(cert), "%s", cfg->certificate);
		snprintf(key, sizeof(key), "%s", cfg->private_key);
	} else {
		snprintf(cert, sizeof(cert), "%s/web-cert.pem", state_dir);
		snprintf(key, sizeof(key), "%s/web-key.pem", state_dir);
		if ((access(cert, R_OK) != 0 || access(key, R_OK) != 0) &&
		    web_cert_make(cert, key, &cfg->address, err, err_len) < 0) {
			free_console(w);
			return -EIO;
		}
	}
	w->cert_pem = read_file(cert, &len);
	w->key_pem = read_file(key, &w->key_len);
	if (w->cert_pem == NULL || w->key_pem == NULL) {
		snprintf(err, err_len, "web console: cannot read %s",
			 w->cert_pem == NULL ? cert : key);
		free_console(w);
		return -EIO;
	}
	w->mhd = MHD_start_daemon(
	    MHD_USE_EPOLL | MHD_USE_TLS | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, w,
	    MHD_OPTION_EXTERNAL_LOGGER, api_mhd_log, "web console", MHD_OPTION_SOCK_ADDR,
	    (const struct sockaddr *)&cfg->address, MHD_OPTION_HTTPS_MEM_CERT, w->cert_pem,
	    MHD_OPTION_HTTPS_MEM_KEY, w->key_pem, MHD_OPTION_NOTIFY_COMPLETED, api_body_completed,
	    w, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)64, MHD_OPTION_END);
	if (cfg->address.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&cfg->address)->sin_addr, addr,
			  sizeof(addr));
		port = ntohs(((const struct sockaddr_in *)&cfg->address)->sin_port);
	} else {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&cfg->address)->sin6_addr, addr,
			  sizeof(addr));
		port = ntohs(((const struct sockaddr_in6 *)&cfg->address)->sin6_port);
	}
	if (w->mhd == NULL) {
		snprintf(err, err_len, "web console: cannot listen on %s port %u", addr, port);
		free_console(w);
		return -EADDRINUSE;
	}
	if (api_loop_attach(&w->loop, evb, w->mhd) < 0) {
		snprintf(err, err_len, "web console: out of memory");
		web_console_stop(w);
		return -ENOMEM;
	}
	log_info("web console on https://%s%s%s:%u/", strchr(addr, ':') ? "[" : "", addr,
		 strchr(addr, ':') ? "]" : "", port);
	*out = w;
	return 0;
}

void web_console_stop(struct web_console *w)
{
	if (w == NULL)
		return;
	api_loop_detach(&w->loop);
	if (w->mhd != NULL)
		MHD_stop_daemon(w->mhd);
	free_console(w);
}
