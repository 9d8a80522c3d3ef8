/* psk_cmd.c: `espnic psk generate FILE [--length N]`, a random pre-shared key (letters and
 * digits from OpenSSL's DRBG) written to FILE with mode 0600, for `--psk-file` on both
 * gateways. The key is never printed. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cli.h"

#define PSK_LEN_MIN	16 /* espnicd's minimum */
#define PSK_LEN_MAX	128
#define PSK_LEN_DEFAULT 32 /* 32 of 62 symbols: about 190 bits */

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: espnic psk generate FILE [--length N]\n"
		"  writes a random pre-shared key of N letters and digits (%d to %d, default\n"
		"  %d) and a newline to FILE, created with mode 0600 (an existing file of\n"
		"  yours is overwritten; a symbolic link is not followed). Give FILE to\n"
		"  `espnic session add|set --psk-file FILE` on both gateways.\n",
		PSK_LEN_MIN, PSK_LEN_MAX, PSK_LEN_DEFAULT);
}

/* len symbols, each from an unbiased byte (bytes >= 248 = 4 * 62 are drawn again). */
static int random_psk(char *out, size_t len)
{
	unsigned char buf[64];
	size_t n = 0;

	while (n < len) {
		if (RAND_bytes(buf, sizeof(buf)) != 1)
			return -1;
		for (size_t i = 0; i < sizeof(buf) && n < len; i++)
			if (buf[i] < 4 * (sizeof(alphabet) - 1))
				out[n++] = alphabet[buf[i] % (sizeof(alphabet) - 1)];
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	out[n] = '\0';
	return 0;
}

int psk_main(int argc, char **argv)
{
	static const struct option opts[] = {{"length", required_argument, NULL, 'l'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	char psk[PSK_LEN_MAX + 2];
	uint64_t len = PSK_LEN_DEFAULT;
	int ch, rc;

	rc = cli_subcommand(&argc, &argv, "psk", "generate", usage);
	if (rc >= 0)
		return rc;
	rc = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			if (cli_u64(optarg, PSK_LEN_MAX, &len) < 0 || len < PSK_LEN_MIN) {
				cli_err("--length %s: a number from %d to %d (espnicd needs at "
					"least %d bytes of key)",
					optarg, PSK_LEN_MIN, PSK_LEN_MAX, PSK_LEN_MIN);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		cli_err("psk generate needs exactly one FILE (espnic psk --help)");
		return EXIT_USAGE;
	}
	if (random_psk(psk, (size_t)len) < 0) {
		cli_err("no random bytes from OpenSSL");
		return EXIT_RUNTIME;
	}
	strcat(psk, "\n");
	rc = cli_write_private_file("psk generate", argv[optind], psk);
	OPENSSL_cleanse(psk, sizeof(psk));
	if (rc < 0)
		return EXIT_RUNTIME;
	printf("wrote a %u-character pre-shared key to %s (mode 0600)\n", (unsigned)len,
	       argv[optind]);
	return 0;
}
