/* Traffic selectors (RFC 7296 2.9): ours from the configuration, narrowing an offer down to
 * what the policy allows, and checking that the responder only narrowed. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike_sa.h"
#include "traffic_selectors.h"
#include "util.h"

static size_t addr_len(const struct ike_ts *t)
{
	return t->type == IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;
}

void ts_from_config(const struct cfg_ts *cfg, unsigned count, const struct sockaddr_storage *host,
		    struct ike_ts_payload *out)
{
	memset(out, 0, sizeof(*out));
	if (count == 0) {
		/* "dynamic": the IKE address itself. */
		size_t len;
		const uint8_t *a = sockaddr_addr(host, &len);
		struct ike_ts *t = &out->ts[out->count++];

		t->type = len == 4 ? IKE_TS_IPV4_ADDR_RANGE : IKE_TS_IPV6_ADDR_RANGE;
		memcpy(t->start_addr, a, len);
		memcpy(t->end_addr, a, len);
		t->end_port = 0xffff;
		return;
	}
	for (unsigned i = 0; i < count && i < IKE_MAX_TS; i++) {
		struct ike_ts *t = &out->ts[out->count++];

		t->type =
		    cfg[i].family == AF_INET ? IKE_TS_IPV4_ADDR_RANGE : IKE_TS_IPV6_ADDR_RANGE;
		t->ip_protocol = cfg[i].protocol;
		t->start_port = cfg[i].start_port;
		t->end_port = cfg[i].end_port;
		memcpy(t->start_addr, cfg[i].start, 16);
		memcpy(t->end_addr, cfg[i].end, 16);
	}
}

/* a ∩ b into out; false when empty. */
static bool intersect(const struct ike_ts *a, const struct ike_ts *b, struct ike_ts *out)
{
	size_t len = addr_len(a);

	if (a->type != b->type)
		return false;
	if (a->ip_protocol && b->ip_protocol && a->ip_protocol != b->ip_protocol)
		return false;
	*out = *a;
	out->ip_protocol = a->ip_protocol ? a->ip_protocol : b->ip_protocol;
	out->start_port = a->start_port > b->start_port ? a->start_port : b->start_port;
	out->end_port = a->end_port < b->end_port ? a->end_port : b->end_port;
	if (out->start_port > out->end_port)
		return false;
	memcpy(out->start_addr,
	       memcmp(a->start_addr, b->start_addr, len) > 0 ? a->start_addr : b->start_addr, len);
	memcpy(out->end_addr, memcmp(a->end_addr, b->end_addr, len) < 0 ? a->end_addr : b->end_addr,
	       len);
	return memcmp(out->start_addr, out->end_addr, len) <= 0;
}

static bool same(const struct ike_ts *a, const struct ike_ts *b)
{
	return a->type == b->type && a->ip_protocol == b->ip_protocol &&
	       a->start_port == b->start_port && a->end_port == b->end_port &&
	       memcmp(a->start_addr, b->start_addr, addr_len(a)) == 0 &&
	       memcmp(a->end_addr, b->end_addr, addr_len(a)) == 0;
}

int ts_narrow(const struct ike_ts_payload *offer, const struct ike_ts_payload *ours,
	      struct ike_ts_payload *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < offer->count; i++) {
		for (unsigned j = 0; j < ours->count; j++) {
			struct ike_ts r;
			bool dup = false;

			if (!intersect(&offer->ts[i], &ours->ts[j], &r))
				continue;
			for (unsigned k = 0; k < out->count; k++)
				dup |= same(&out->ts[k], &r);
			if (!dup && out->count < IKE_MAX_TS)
				out->ts[out->count++] = r;
		}
	}
	return out->count ? 0 : -ENOENT;
}

bool ts_within(const struct ike_ts_payload *chosen, const struct ike_ts_payload *proposed)
{
	if (chosen->count == 0)
		return false;
	for (unsigned i = 0; i < chosen->count; i++) {
		bool ok = false;

		for (unsigned j = 0; j < proposed->count && !ok; j++) {
			struct ike_ts r;

			ok = intersect(&chosen->ts[i], &proposed->ts[j], &r) &&
			     same(&r, &chosen->ts[i]);
		}
		if (!ok)
			return false;
	}
	return true;
}

void ts_to_dp(const struct ike_ts_payload *ts, struct dp_selector *out, unsigned *count)
{
	*count = 0;
	for (unsigned i = 0; i < ts->count && i < DP_MAX_SELECTORS; i++) {
		struct dp_selector *s = &out[(*count)++];

		memset(s, 0, sizeof(*s));
		s->family = ts->ts[i].type == IKE_TS_IPV4_ADDR_RANGE ? AF_INET : AF_INET6;
		memcpy(s->start_addr, ts->ts[i].start_addr, 16);
		memcpy(s->end_addr, ts->ts[i].end_addr, 16);
		s->ip_protocol = ts->ts[i].ip_protocol;
		s->start_port = ts->ts[i].start_port;
		s->end_port = ts->ts[i].end_port;
	}
}

static void ts_from_dp(const struct dp_selector *sel, unsigned count, struct ike_ts_payload *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < count && i < IKE_MAX_TS; i++) {
		struct ike_ts *t = &out->ts[out->count++];

		t->type =
		    sel[i].family == AF_INET ? IKE_TS_IPV4_ADDR_RANGE : IKE_TS_IPV6_ADDR_RANGE;
		memcpy(t->start_addr, sel[i].start_addr, 16);
		memcpy(t->end_addr, sel[i].end_addr, 16);
		t->ip_protocol = sel[i].ip_protocol;
		t->start_port = sel[i].start_port;
		t->end_port = sel[i].end_port;
	}
}

int ts_fit_dataplane(struct dp *dp, struct ike_ts_payload *local, struct ike_ts_payload *remote)
{
	struct dp_selector l[DP_MAX_SELECTORS], r[DP_MAX_SELECTORS];
	unsigned nl, nr;
	int ret;

	ts_to_dp(local, l, &nl);
	ts_to_dp(remote, r, &nr);
	ret = dp_narrow_selectors(dp, l, &nl, r, &nr);
	if (ret == 1) {
		ts_from_dp(l, nl, local);
		ts_from_dp(r, nr, remote);
	}
	return ret < 0 ? -ENOTSUP : ret;
}

void ts_describe(const struct ike_ts_payload *ts, char *buf, size_t len)
{
	size_t pos = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < ts->count && pos < len; i++) {
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
		int af = ts->ts[i].type == IKE_TS_IPV4_ADDR_RANGE ? AF_INET : AF_INET6;
		int n;

		inet_ntop(af, ts->ts[i].start_addr, a, sizeof(a));
		inet_ntop(af, ts->ts[i].end_addr, b, sizeof(b));
		n = snprintf(buf + pos, len - pos, "%s%s-%s", i ? " " : "", a, b);
		if (n < 0)
			break;
		pos += (size_t)n;
	}
}
