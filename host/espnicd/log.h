/* Logging with levels to stderr or syslog. Callers never pass secrets: keys, PSKs and nonces
 * have no format helper here on purpose. */
#ifndef ESPNICD_LOG_H
#define ESPNICD_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN = 1,
	LOG_LEVEL_INFO = 2,
	LOG_LEVEL_DEBUG = 3,
};

/* Tests capture lines through a hook; NULL restores the normal output. */
typedef void (*log_hook_fn)(enum log_level level, const char *line, void *arg);

void log_setup(enum log_level level, bool use_syslog);
void log_set_hook(log_hook_fn hook, void *arg);
/* "error", "warn", "info", "debug"; -1 if unknown. */
int log_level_parse(const char *name);
/* Whether a line of level goes anywhere (the configured level, or a test's hook). */
bool log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
