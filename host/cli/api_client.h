/* api_client.h: the espnicd API over its UNIX socket (libcurl), for the `espnic session`,
 * `profile` and `endpoint` commands. */
#ifndef ESPNIC_API_CLIENT_H
#define ESPNIC_API_CLIENT_H

#include <jansson.h>

/* Exit codes of the API commands (besides 0, EXIT_RUNTIME 1 and EXIT_USAGE 2 of cli.h). */
#define EXIT_REJECTED  3 /* the daemon refused the request (validation, conflict, ...) */
#define EXIT_NOT_FOUND 4 /* no such object */
#define EXIT_DOWN      5 /* `session status NAME`: the session is not up */

#define API_DEFAULT_SOCKET "/run/espnicd/api.sock"

/* --socket, else $ESPNIC_API_SOCKET, else API_DEFAULT_SOCKET. */
void api_set_socket(const char *path);

/* One request. body (may be NULL) is sent as JSON and wiped afterwards in its serialized
 * form. Returns the HTTP status (0 if the daemon could not be reached, with a message
 * printed); *text gets the raw answer (malloc'ed, may be NULL). */
long api_request(const char *method, const char *path, const json_t *body, char **text);

/* The same, answer parsed as JSON into *resp (NULL when there is none). On an HTTP error the
 * daemon's message (and field) is printed; returns the exit code for the status. */
int api_json(const char *method, const char *path, const json_t *body, json_t **resp);

/* HTTP status to exit code. */
int api_exit_code(long status);

#endif
