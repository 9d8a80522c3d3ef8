/* web_cmd.c: `espnic web passwd`, the web console's password: read from the terminal (twice,
 * not echoed) or from standard input when it is not a terminal (one line), hashed with scrypt
 * and written to espnicd's password file with mode 0600 (web_auth.c, the code espnicd checks
 * it with). The password is never printed nor taken from the command line. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "web_auth.h"

#define STATE_DIR_DEFAULT "/var/lib/espnicd"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: espnic web passwd [--state-dir DIR | --file FILE]\n"
		"  sets the web console's password: asked twice on a terminal, else one line\n"
		"  from standard input; at least %d characters. Written as an scrypt hash to\n"
		"  FILE (default DIR/web-password, DIR %s: espnicd's -S), mode 0600.\n"
		"  espnicd reads it at each login: no restart needed.\n",
		WEB_PASSWORD_MIN, STATE_DIR_DEFAULT);
}

/* One line into buf without its newline; echo off on a terminal. */
static int read_line(const char *prompt, char *buf, size_t len, bool tty)
{
	struct termios old, quiet;
	bool got;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	got = fgets(buf, (int)len, stdin) != NULL;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (!got)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

int web_main(int argc, char **argv)
{
	static const struct option opts[] = {{"state-dir", required_argument, NULL, 'S'},
					     {"file", required_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	char path[4096] = "", pw[WEB_PASSWORD_MAX + 2], again[WEB_PASSWORD_MAX + 2], err[512];
	const char *dir = STATE_DIR_DEFAULT;
	bool tty = isatty(STDIN_FILENO);
	int ch, rc = 0;

	rc = cli_subcommand(&argc, &argv, "web", "passwd", usage);
	if (rc >= 0)
		return rc;
	rc = 0;
	while ((ch = getopt_long(argc, argv, "hS:f:", opts, NULL)) != -1) {
		switch (ch) {
		case 'S':
			dir = optarg;
			break;
		case 'f':
			snprintf(path, sizeof(path), "%s", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cli_err("web passwd takes no arguments: the password is read from standard input");
		return EXIT_USAGE;
	}
	if (path[0] == '\0')
		snprintf(path, sizeof(path), "%s/web-password", dir);
	if (read_line("new web console password: ", pw, sizeof(pw), tty) < 0) {
		cli_err("web passwd: no password on standard input");
		return EXIT_USAGE;
	}
	if (tty &&
	    (read_line("again: ", again, sizeof(again), tty) < 0 || strcmp(pw, again) != 0)) {
		cli_err("web passwd: the two passwords differ; nothing changed");
		rc = EXIT_USAGE;
	} else if (web_auth_write_file(path, pw, err, sizeof(err)) < 0) {
		cli_err("web passwd: %s", err);
		rc = strlen(pw) < WEB_PASSWORD_MIN || strlen(pw) > WEB_PASSWORD_MAX ? EXIT_USAGE
										    : EXIT_RUNTIME;
	} else {
		printf("wrote the web console's password hash to %s (mode 0600)\n", path);
	}
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(again, sizeof(again));
	return rc;
}
