/* fuzz_card_config.c: libFuzzer target for the simulated card's SA and SPD files (the JSON
 * of `espnic-sim pcap --sa/--spd`, sim/card_config.c), which carry keys: the first byte picks
 * the SA or the SPD parser, the rest is the file. Whatever the input, the parser returns 0
 * or a message, and what it built is freed (and its keys wiped) without a leak. */
#include <stdint.h>
#include <string.h>

#include "card_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct card_config cfg;
	char err[256];
	int rc;

	if (size < 1)
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	err[0] = '\0';
	rc = card_config_parse(&cfg, data[0] & 1 ? CARD_CONFIG_SPD : CARD_CONFIG_SAS,
			       (const char *)data + 1, size - 1, err, sizeof(err));
	if (rc != 0 && err[0] == '\0')
		__builtin_trap(); /* a refusal always says why */
	card_config_free(&cfg);
	return 0;
}
