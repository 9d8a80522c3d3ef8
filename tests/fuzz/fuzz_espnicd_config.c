/* fuzz_espnicd_config.c: libFuzzer target for espnicd's configuration file parser
 * (host/espnicd/config/config.c: config_parse), the JSON an operator writes. Whatever the
 * input, the parser returns a configuration or an error message, and never leaks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct espnicd_config *cfg = NULL;
	char err[256];
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	if (config_parse(text, &cfg, err, sizeof(err)) == 0)
		config_free(cfg);
	else if (err[0] == '\0')
		__builtin_trap(); /* a refusal always says why */
	free(text);
	return 0;
}
