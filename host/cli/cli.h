/* cli.h: the `espnic` command line: shared helpers of the command groups.
 * Exit codes: 0 done, 1 a runtime error (device, card), 2 a usage error. */
#ifndef ESPNIC_CLI_H
#define ESPNIC_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "espnic.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE   2

/* Print "espnic: MESSAGE" to stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A number up to max (decimal, 0x hex or 0 octal: SPIs are written in hex):
 * 0, or -1 if malformed. Addresses, prefixes, protocols and ports are read
 * with espnic_text.h. */
int cli_u64(const char *s, uint64_t max, uint64_t *v);

/* Read keying material (hex of the key followed by the 4-byte salt) from a
 * file or "-" for standard input into key; returns its length in bytes or
 * -1 with a message printed. The caller wipes key. */
int cli_read_key(const char *path, uint8_t *key, size_t cap);

/* text into path, a regular file of this user with mode 0600, a symbolic link never
 * followed; 0, or -1 with "espnic: WHAT PATH: why" printed. */
int cli_write_private_file(const char *what, const char *path, const char *text);

/* The device chosen by -d (cli_set_device), or $ESPNIC_DEVICE, or the only
 * card present, opened on first use (after the arguments were checked);
 * prints the error and returns NULL on failure. */
void cli_set_device(const char *spec);
espnic_dev *cli_dev(void);
void cli_close(void);

int card_main(int argc, char **argv);
int card_sa_main(int argc, char **argv);
int card_spd_main(int argc, char **argv);
int card_events_main(int argc, char **argv);

/* Clients of espnicd's API (ipsec_cmd.c). */
int endpoint_main(int argc, char **argv);
int profile_main(int argc, char **argv);
int session_main(int argc, char **argv);

/* `espnic psk generate`: a random pre-shared key into a 0600 file (psk_cmd.c). */
int psk_main(int argc, char **argv);

/* `espnic demo`: execs host/demo/espnic_demo.py (demo_cmd.c); returns only on
 * failure. */
int demo_main(int argc, char **argv);
int web_main(int argc, char **argv);
/* A group with one command ("psk generate", "web passwd"): usage on none or --help, an error
 * on another; -1 when it is command (argc/argv then start at it, getopt reset), else the exit
 * code. */
int cli_subcommand(int *argc, char ***argv, const char *group, const char *command,
		   void (*usage)(FILE *));

#endif
