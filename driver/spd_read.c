/* spd_read.c: reading an SPD rule back from the card, now an SPD_QUERY
 * command of the card layer (espnic_card_spd_read); kept for the callers of
 * espnic_spd_read_raw until they call espnic_card_spd_read directly. */
#include "backend.h"

int espnic_spd_read_raw(const struct espnic_io *io, unsigned index, struct espnic_spd_rule *rule)
{
	return espnic_card_spd_read(io, index, rule);
}
