/* api_client.c: HTTP to espnicd over its UNIX socket with libcurl
 * (CURLOPT_UNIX_SOCKET_PATH); JSON with jansson; errors printed from the daemon's JSON. */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "api_client.h"
#include "cli.h"

static const char *socket_path;

void api_set_socket(const char *path)
{
	socket_path = path;
}

static const char *the_socket(void)
{
	const char *env = getenv("ESPNIC_API_SOCKET");

	if (socket_path != NULL)
		return socket_path;
	return env != NULL && *env ? env : API_DEFAULT_SOCKET;
}

struct buf {
	char *data;
	size_t len;
};

static size_t on_data(char *ptr, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	char *grown = realloc(b->data, b->len + size * n + 1);

	if (grown == NULL)
		return 0;
	b->data = grown;
	memcpy(b->data + b->len, ptr, size * n);
	b->len += size * n;
	b->data[b->len] = '\0';
	return size * n;
}

long api_request(const char *method, const char *path, const json_t *body, char **text)
{
	struct curl_slist *headers = NULL;
	struct buf b = {0};
	char url[1024], *payload = NULL;
	long status = 0;
	CURLcode rc;
	CURL *c;

	*text = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || (c = curl_easy_init()) == NULL) {
		cli_err("cannot initialise libcurl");
		return 0;
	}
	snprintf(url, sizeof(url), "http://localhost%s", path);
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, the_socket());
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	if (body != NULL) {
		payload = json_dumps(body, JSON_COMPACT);
		if (payload == NULL) {
			curl_easy_cleanup(c);
			cli_err("out of memory");
			return 0;
		}
		headers = curl_slist_append(headers, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		cli_err("cannot reach espnicd at %s: %s (is it running with --state-dir? "
			"--socket or $ESPNIC_API_SOCKET choose the socket)",
			the_socket(), curl_easy_strerror(rc));
	else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (payload != NULL) {
		OPENSSL_cleanse(payload, strlen(payload));
		free(payload);
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	*text = b.data;
	return status;
}

int api_exit_code(long status)
{
	if (status >= 200 && status < 300)
		return 0;
	if (status == 404)
		return EXIT_NOT_FOUND;
	if (status >= 400 && status < 500)
		return EXIT_REJECTED;
	return EXIT_RUNTIME;
}

int api_json(const char *method, const char *path, const json_t *body, json_t **resp)
{
	char *text = NULL;
	long status = api_request(method, path, body, &text);
	json_t *j = NULL;

	*resp = NULL;
	if (status == 0) {
		free(text);
		return EXIT_RUNTIME;
	}
	if (text != NULL && *text)
		j = json_loads(text, 0, NULL);
	free(text);
	if (status >= 300) {
		const char *msg = json_string_value(json_object_get(j, "error_message"));
		const char *field = json_string_value(json_object_get(j, "field"));

		if (field != NULL)
			cli_err("%s (field %s)", msg ? msg : "error", field);
		else
			cli_err("%s (HTTP %ld)", msg ? msg : "error", status);
		json_decref(j);
		return api_exit_code(status);
	}
	*resp = j;
	return 0;
}
