/* Log sink: one line per event, level-filtered, to stderr (with a timestamp) or syslog. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static enum log_level max_level = LOG_LEVEL_INFO;
static bool to_syslog;
static log_hook_fn hook;
static void *hook_arg;

static const char *const names[] = {"error", "warn", "info", "debug"};

void log_setup(enum log_level level, bool use_syslog)
{
	max_level = level;
	if (use_syslog && !to_syslog)
		openlog("espnicd", LOG_PID, LOG_DAEMON);
	to_syslog = use_syslog;
}

void log_set_hook(log_hook_fn fn, void *arg)
{
	hook = fn;
	hook_arg = arg;
}

int log_level_parse(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

bool log_enabled(enum log_level level)
{
	return hook != NULL || level <= max_level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	char line[512];
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (hook != NULL) {
		hook(level, line, hook_arg);
		if (level > max_level)
			return;
	}
	if (to_syslog) {
		syslog(prio[level], "%s", line);
	} else {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		fprintf(stderr, "%02d:%02d:%02d.%03ld %-5s %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
			ts.tv_nsec / 1000000, names[level], line);
	}
}
