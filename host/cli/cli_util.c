/* cli_util.c: parsing and device helpers shared by the `espnic` commands. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "espnic_text.h"

void cli_err(const char *fmt, ...)
{
	va_list ap;
	fputs("espnic: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;
	if (!*s || *s == '-' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || *end || x > max)
		return -1;
	*v = x;
	return 0;
}

int cli_read_key(const char *path, uint8_t *key, size_t cap)
{
	char text[512];
	size_t n, len = 0;
	int rc = -1;
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f) {
		cli_err("--key-file %s: %s", path, strerror(errno));
		return -1;
	}
	setvbuf(f, NULL, _IONBF, 0); /* no copy of the key in a stdio buffer */
	n = fread(text, 1, sizeof(text) - 1, f);
	bool too_long = n == sizeof(text) - 1 && fgetc(f) != EOF;
	if (f != stdin)
		fclose(f);
	text[n] = 0;
	bool nul = memchr(text, 0, n) != NULL; /* hex and a NUL would read as less */
	/* One hex string, white space (a final newline) around it allowed. */
	char *start = text, *end = text + n;
	while (start < end && isspace((unsigned char)*start))
		start++;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	*end = 0;
	if (too_long || nul || espnic_text_hex(start, key, cap, &len) < 0) {
		cli_err("--key-file %s: expected the key and 4-byte salt as one hex string", path);
		OPENSSL_cleanse(key, cap);
	} else {
		rc = (int)len;
	}
	OPENSSL_cleanse(text, sizeof(text));
	return rc;
}

static const char *dev_spec;
static espnic_dev *dev_open;

void cli_set_device(const char *spec)
{
	dev_spec = spec;
}

void cli_close(void)
{
	espnic_close(dev_open);
	dev_open = NULL;
}

espnic_dev *cli_dev(void)
{
	const char *spec = dev_spec;
	espnic_dev *dev;
	if (dev_open)
		return dev_open;
	struct espnic_dev_entry *list = NULL;
	size_t n = 0;
	char chosen[sizeof(list->spec)];
	if (!spec)
		spec = getenv("ESPNIC_DEVICE");
	if (!spec || !*spec) {
		int rc = espnic_list(&list, &n);
		if (rc || n != 1) {
			cli_err(n ? "several cards present: choose one with -d DEVICE (espnic card "
				    "list)"
				  : "no card found: give one with -d DEVICE");
			espnic_list_free(list);
			return NULL;
		}
		snprintf(chosen, sizeof(chosen), "%s", list[0].spec);
		espnic_list_free(list);
		spec = chosen;
	}
	if (espnic_open(spec, &dev) < 0) {
		cli_err("%s", espnic_open_error());
		return NULL;
	}
	dev_open = dev;
	return dev;
}

/* text into path, a regular file of ours with mode 0600 (created so, or an existing one made
 * so before anything is written); a symbolic link is never followed. */
int cli_write_private_file(const char *what, const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
	size_t len = strlen(text), done = 0;
	struct stat st;

	if (fd < 0) {
		cli_err("%s %s: %s", what, path,
			errno == ELOOP ? "a symbolic link (not followed)" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		cli_err("%s %s: not a regular file of this user", what, path);
		close(fd);
		return -1;
	}
	if (fchmod(fd, 0600) < 0 || ftruncate(fd, 0) < 0)
		goto fail;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		done += (size_t)n;
	}
	if (close(fd) < 0) {
		cli_err("%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	return 0;
fail:
	cli_err("%s %s: %s", what, path, strerror(errno));
	close(fd);
	return -1;
}

int cli_subcommand(int *argc, char ***argv, const char *group, const char *command,
		   void (*usage)(FILE *))
{
	if (*argc < 2 || strcmp((*argv)[1], "--help") == 0 || strcmp((*argv)[1], "-h") == 0) {
		usage(*argc < 2 ? stderr : stdout);
		return *argc < 2 ? EXIT_USAGE : 0;
	}
	if (strcmp((*argv)[1], command) != 0) {
		cli_err("unknown command '%s %s' (espnic %s --help)", group, (*argv)[1], group);
		return EXIT_USAGE;
	}
	(*argc)--;
	(*argv)++;
	optind = 1;
	return -1;
}
