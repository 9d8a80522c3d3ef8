/* card_config.h: SA and SPD tables from JSON files (the format of
 * `espnic-sim pcap --sa/--spd`, documented in README.md). */
#ifndef ESPNIC_CARD_CONFIG_H
#define ESPNIC_CARD_CONFIG_H

#include <stddef.h>

#include "espnic_card.h"

struct card_sa_entry {
	unsigned index;
	struct espnic_sa sa;
};

struct card_spd_entry {
	int priority;
	struct espnic_spd_rule rule;
};

struct card_config {
	struct card_sa_entry *sas;
	size_t n_sas;
	struct card_spd_entry *rules; /* sorted by priority, lowest value first */
	size_t n_rules;
	bool default_discard; /* SPD file "default": "discard": no rule matched, dropped */
};

/* Parse an SA file / an SPD file ({"rules": [...], optional "default": "bypass" or
 * "discard", what the card does with egress frames no rule matches) into cfg. On error returns
 * -EINVAL and writes a message naming the file and the field into err. */
int card_config_load_sas(struct card_config *cfg, const char *path, char *err, size_t errlen);
int card_config_load_spd(struct card_config *cfg, const char *path, char *err, size_t errlen);
/* The same from len bytes of JSON text (not NUL-terminated), named "(SA text)" or "(SPD
 * text)" in messages. */
enum card_config_file { CARD_CONFIG_SAS, CARD_CONFIG_SPD };
int card_config_parse(struct card_config *cfg, enum card_config_file file, const char *text,
		      size_t len, char *err, size_t errlen);
/* The default policy without an SPD file: everything (IPv4 and IPv6) is
 * protected with the one outbound SA. */
int card_config_default_spd(struct card_config *cfg, char *err, size_t errlen);
/* Wipes the keys and frees everything. */
void card_config_free(struct card_config *cfg);

/* Program every SA and rule into a card. */
int card_config_apply(const struct card_config *cfg, const struct espnic_io *io, char *err,
		      size_t errlen);

#endif
