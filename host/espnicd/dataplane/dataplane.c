/* The dataplane layer: dp_open picks a backend by the spec's prefix ("record:", "card:") and
 * the dp_* calls of dataplane.h go through the backend's table. */
#include <errno.h>
#include <string.h>

#include "dataplane_backend.h"

int dp_open(const char *spec, struct dp **out)
{
	if (spec == NULL || out == NULL)
		return -EINVAL;
	*out = NULL;
	if (strncmp(spec, "record:", 7) == 0)
		return dp_record_open(spec + 7, out);
	if (strncmp(spec, "card:", 5) == 0)
		return dp_card_open(spec + 5, out);
	return -EPROTONOSUPPORT;
}

void dp_close(struct dp *dp)
{
	if (dp != NULL)
		dp->ops->close(dp);
}

const char *dp_kind(const struct dp *dp)
{
	return dp->ops->kind;
}

bool dp_carries_esp(const struct dp *dp, uint16_t encr_id, uint16_t key_bits, uint16_t integ_id)
{
	return dp->ops->carries_esp == NULL || dp->ops->carries_esp(encr_id, key_bits, integ_id);
}

const char *dp_esp_algorithms(const struct dp *dp)
{
	return dp->ops->esp_algorithms != NULL ? dp->ops->esp_algorithms
					       : "every algorithm espnicd negotiates";
}

int dp_alloc_spi(struct dp *dp, uint32_t *spi)
{
	return dp->ops->alloc_spi(dp, spi);
}

void dp_release_spi(struct dp *dp, uint32_t spi)
{
	dp->ops->release_spi(dp, spi);
}

int dp_install(struct dp *dp, const struct dp_child_sa *sa)
{
	if (sa == NULL)
		return -EINVAL;
	return dp->ops->install(dp, sa);
}

int dp_switch_out(struct dp *dp, uint32_t spi_in)
{
	return dp->ops->switch_out(dp, spi_in);
}

int dp_delete(struct dp *dp, uint32_t spi_in)
{
	return dp->ops->delete (dp, spi_in);
}

int dp_read_counters(struct dp *dp, uint32_t spi_in, struct dp_counters *c)
{
	return dp->ops->read_counters(dp, spi_in, c);
}

int dp_health(struct dp *dp, struct dp_health *h)
{
	memset(h, 0, sizeof(*h));
	return dp->ops->health != NULL ? dp->ops->health(dp, h) : -ENOTSUP;
}

int dp_event_fd(struct dp *dp)
{
	return dp->ops->event_fd(dp);
}

int dp_next_event(struct dp *dp, struct dp_event *ev)
{
	return dp->ops->next_event(dp, ev);
}

int dp_set_ike_bypass(struct dp *dp, const struct sockaddr_storage *addrs, unsigned n,
		      uint16_t port, uint16_t natt_port)
{
	if (n > DP_MAX_IKE_ADDRS || (n > 0 && addrs == NULL))
		return -EINVAL;
	return dp->ops->set_ike_bypass(dp, addrs, n, port, natt_port);
}

int dp_trap_install(struct dp *dp, const struct dp_trap *trap)
{
	if (trap == NULL || trap->local_ts_count > DP_MAX_SELECTORS ||
	    trap->remote_ts_count > DP_MAX_SELECTORS)
		return -EINVAL;
	return dp->ops->trap_install(dp, trap);
}

int dp_trap_rearm(struct dp *dp, uint32_t reqid)
{
	return dp->ops->trap_rearm(dp, reqid);
}

int dp_trap_remove(struct dp *dp, uint32_t reqid)
{
	return dp->ops->trap_remove(dp, reqid);
}

unsigned dp_inner_mtu(struct dp *dp, enum dp_mode mode, bool udp)
{
	return dp->ops->inner_mtu != NULL ? dp->ops->inner_mtu(dp, mode, udp) : 0;
}

int dp_narrow_selectors(struct dp *dp, struct dp_selector *local, unsigned *nl,
			struct dp_selector *remote, unsigned *nr)
{
	if (*nl == 0 || *nr == 0 || *nl > DP_MAX_SELECTORS || *nr > DP_MAX_SELECTORS)
		return -EINVAL;
	/* A backend without limits (the recording one) takes them as they are. */
	return dp->ops->narrow_selectors != NULL
		   ? dp->ops->narrow_selectors(dp, local, nl, remote, nr)
		   : 0;
}
