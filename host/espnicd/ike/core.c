/* The daemon core's entry points: datagram dispatch (SA lookup, message-ID window,
 * decryption, exchange routing), timers, dataplane events, reload and shutdown. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "child_sa.h"
#include "espnicd.h"
#include "flood_limits.h"
#include "ike_sa.h"
#include "ikev1/ikev1.h"
#include "log.h"
#include "message_out.h"
#include "sa_index.h"
#include "task_cookie.h"
#include "task_dpd.h"
#include "task_ike_init.h"
#include "task_manager.h"
#include "transmit.h"
#include "traps.h"
#include "util.h"

#define SHUTDOWN_WINDOW 64 /* IKE_SA deletes in flight at shutdown without start_window */

int espnicd_new(struct espnicd_config *cfg, struct dp *dp, const struct espnicd_io *io,
		struct espnicd **out)
{
	struct espnicd *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return -ENOMEM;
	d->io = *io;
	d->rx_msg = malloc(sizeof(*d->rx_msg));
	if (d->rx_msg == NULL || cookie_init(d) < 0 || sa_index_init(d) < 0) {
		free(d->rx_msg);
		free(d);
		return -ENOMEM;
	}
	d->cfg = cfg;
	d->dp = dp;
	*out = d;
	return 0;
}

void espnicd_free(struct espnicd *d)
{
	if (d == NULL)
		return;
	while (d->sas != NULL)
		ike_sa_destroy(d->sas);
	ikev1_free(d);
	traps_free(d);
	config_free(d->cfg);
	free(d->rx_msg);
	OPENSSL_cleanse(d, sizeof(*d));
	free(d);
}

const struct espnicd_config *espnicd_config(const struct espnicd *d)
{
	return d->cfg;
}

/* The end of every event: dpd_action for the SAs whose peer stopped answering, then the dead
 * SAs go (their peers' traps may ACQUIRE again). */
static void start_pending(struct espnicd *d);

static void reap_dead(struct espnicd *d)
{
	struct ike_sa *sa, *next;

	if (d->index.dead == 0)
		return; /* every datagram ends here: no walk through the SAs for nothing */
	dead_peer_actions(d);
	for (sa = d->sas; sa != NULL; sa = next) {
		next = sa->next;
		if (sa->state == IKE_SA_DEAD) {
			if (!d->shutting_down)
				trap_rearm_peer(d, sa->peer.name);
			ike_sa_destroy(sa);
		}
	}
}

void espnicd_start(struct espnicd *d)
{
	traps_sync(d, false);
	d->start_next = 0;
	start_pending(d);
}

/* Shutting down: the IKE_SAs are deleted start_window (or SHUTDOWN_WINDOW) at a time, so that
 * a thousand Deletes do not overflow the peer's socket buffer and go unanswered. */
static void delete_pending(struct espnicd *d)
{
	unsigned window = d->cfg->start_window ? d->cfg->start_window : SHUTDOWN_WINDOW, busy = 0;
	struct ike_sa *sa;

	for (sa = d->sas; sa != NULL; sa = sa->next)
		busy += sa->state == IKE_SA_DELETING ||
			(sa->state == IKE_SA_ESTABLISHED && sa->want_delete);
	for (sa = d->sas; sa != NULL && busy < window; sa = sa->next) {
		if (sa->state != IKE_SA_ESTABLISHED || sa->want_delete)
			continue;
		sa->want_delete = true;
		busy++;
		if (sa->request.kind == REQUEST_NONE)
			task_manager_schedule(sa);
	}
}

static void start_pending(struct espnicd *d)
{
	unsigned window = d->cfg->start_window, busy = 0;

	if (d->shutting_down) {
		delete_pending(d);
		return;
	}
	if (d->start_next >= d->cfg->peer_count)
		return;
	if (window != 0)
		for (const struct ike_sa *sa = d->sas; sa != NULL; sa = sa->next)
			busy += sa->initiator &&
				(sa->state == IKE_SA_INIT_SENT || sa->state == IKE_SA_AUTH_SENT);
	while (d->start_next < d->cfg->peer_count && (window == 0 || busy < window)) {
		const struct cfg_peer *p = &d->cfg->peers[d->start_next++];

		if (p->start && !peer_has_sa(d, p->name) && task_manager_initiate_peer(d, p) == 0)
			busy++;
	}
	reap_dead(d);
}

/* The peer's ESTABLISHED IKE_SA that carries no CHILD_SA (none installed, none being
 * rekeyed), if the peer has one and none of its IKE_SAs carries a CHILD_SA. */
static struct ike_sa *childless_sa(struct espnicd *d, const char *name)
{
	struct ike_sa *found = NULL;

	for (struct ike_sa *sa = d->sas; sa != NULL; sa = sa->next) {
		if (sa->state != IKE_SA_ESTABLISHED || strcmp(sa->peer.name, name) != 0)
			continue;
		for (const struct child_sa *c = sa->children; c != NULL; c = c->next)
			if (c->state == CHILD_SA_INSTALLED || c->state == CHILD_SA_REKEYING)
				return NULL;
		if (found == NULL && sa->replaced_by == NULL)
			found = sa;
	}
	return found;
}

/* The dataplane trapped traffic of the peer (why: which trap): an IKE_SA without CHILD_SA
 * gets one (CREATE_CHILD_SA), a peer without IKE_SA is initiated; an IKE_SA being
 * negotiated brings its CHILD_SA with IKE_AUTH. */
static void acquire(struct espnicd *d, uint32_t reqid)
{
	const struct cfg_peer *p = NULL;
	const char *why = "traffic for the on-demand policy";
	struct ike_sa *sa;

	for (int i = 0; i < CFG_MAX_PEERS && p == NULL; i++) {
		if (d->traps[i].reqid == 0 || d->traps[i].reqid != reqid)
			continue;
		p = config_find_peer(d->cfg, d->traps[i].name);
		if (d->traps[i].held)
			why = "traffic for the held peer";
	}
	if (p == NULL) {
		log_debug("dataplane ACQUIRE for unknown reqid %u ignored", reqid);
		return;
	}
	if (d->shutting_down) {
		log_debug("%s: ACQUIRE while shutting down, ignored", p->name);
	} else if ((sa = childless_sa(d, p->name)) != NULL) {
		log_info("%s: ACQUIRE (%s): the IKE_SA has no CHILD_SA, creating one", sa_name(sa),
			 why);
		task_manager_want_child(sa);
	} else if (peer_has_sa(d, p->name)) {
		log_debug("%s: ACQUIRE while an IKE_SA with a CHILD_SA exists or is negotiated, "
			  "ignored",
			  p->name);
	} else if (p->remote_any) {
		log_info("%s: ACQUIRE (%s): cannot initiate towards %%any", p->name, why);
	} else {
		log_info("%s: ACQUIRE (%s), initiating", p->name, why);
		task_manager_initiate_peer(d, p);
	}
}

int espnicd_initiate(struct espnicd *d, const char *name)
{
	const struct cfg_peer *p = config_find_peer(d->cfg, name);
	struct ike_sa *sa;
	int ret = -ENOENT;

	if (p != NULL && !p->remote_any) {
		/* An IKE_SA up without its CHILD_SA (the peer deleted it, or it expired) gets a
		 * new one rather than a second IKE_SA. */
		if ((sa = childless_sa(d, name)) != NULL) {
			log_info("%s: initiate: the IKE_SA has no CHILD_SA, creating one",
				 sa_name(sa));
			task_manager_want_child(sa);
			ret = 0;
		} else {
			ret = task_manager_initiate_peer(d, p);
		}
	}
	reap_dead(d);
	return ret;
}

static struct ike_sa *lookup(struct espnicd *d, const struct ike_header *h)
{
	bool from_initiator = h->flags & IKE_FLAG_INITIATOR;

	/* Our SPI is the responder's when the sender is the original initiator. */
	for (struct ike_sa *sa = sa_index_by_spi(d, from_initiator ? h->spi_r : h->spi_i);
	     sa != NULL; sa = sa->spi_next) {
		if (sa->state == IKE_SA_DEAD || memcmp(sa->spi_i, h->spi_i, IKE_SPI_LEN) != 0)
			continue;
		/* The I flag names the original initiator; it must be the other side. */
		if (from_initiator == sa->initiator)
			continue;
		if (memcmp(sa->spi_r, h->spi_r, IKE_SPI_LEN) == 0)
			return sa;
		if (sa->state == IKE_SA_INIT_SENT && h->exchange_type == IKE_EXCHANGE_IKE_SA_INIT &&
		    (h->flags & IKE_FLAG_RESPONSE))
			return sa;
	}
	return NULL;
}

static void answer_invalid_syntax(struct ike_sa *sa, const struct ike_header *h)
{
	struct message_out *m = malloc(sizeof(*m));

	if (m == NULL)
		return;
	message_out_init(m);
	message_out_notify(m, IKE_N_INVALID_SYNTAX, 0, NULL, 0, NULL, 0);
	send_response(sa, h->exchange_type, h->message_id, m);
	free(m);
}

/* RFC 7383 2.6: one authentic, decrypted fragment into the reassembly of its message.
 * Returns the length of the complete message's inner payloads (in d->rx_plain, first payload
 * type in *first), 0 while fragments are missing, negative when the fragment was dropped. */
static int take_fragment(struct espnicd *d, struct ike_sa *sa, const struct ike_payload *skf,
			 uint32_t id, bool response, size_t n, uint8_t *first)
{
	struct ike_frag_reassembly **rp = response ? &sa->frag_resp : &sa->frag_req, *r = *rp;
	uint32_t *rid = response ? &sa->frag_resp_id : &sa->frag_req_id;
	int ret;

	if (r == NULL) { /* the first fragment: the reassembly exists while fragments pend */
		r = *rp = malloc(sizeof(*r));
		if (r == NULL) {
			OPENSSL_cleanse(d->rx_plain, n);
			return -ENOMEM;
		}
		ike_frag_init(r, IKE_FRAG_MAX_FRAGMENTS, MAX_MESSAGE);
	}
	if (r->total != 0 && *rid != id)
		ike_frag_reset(r); /* the fragments of an earlier message: gone for good */
	*rid = id;
	ret = ike_frag_add(r, skf, d->rx_plain, n);
	OPENSSL_cleanse(d->rx_plain, n);
	if (ret == -EALREADY) {
		log_debug("%s: duplicate fragment %u/%u ignored", sa_name(sa),
			  skf->u.sk.fragment_number, skf->u.sk.total_fragments);
		return -EALREADY;
	}
	if (ret < 0) {
		d->stats.fragments_dropped++;
		log_warn("%s: fragment %u/%u of message %u dropped (%s)", sa_name(sa),
			 skf->u.sk.fragment_number, skf->u.sk.total_fragments, id,
			 ret == -E2BIG ? "over the limits" : "bad numbering");
		if (ret == -E2BIG)
			frag_drop(rp);
		return ret;
	}
	d->stats.fragments_received++;
	if (ret == 0)
		return 0;
	ret = ike_frag_assemble(r, d->rx_plain, sizeof(d->rx_plain), first);
	frag_drop(rp);
	if (ret <= 0) {
		d->stats.fragments_dropped++;
		log_warn("%s: reassembled message %u unusable (%d), dropped", sa_name(sa), id, ret);
		return ret < 0 ? ret : -EBADMSG;
	}
	d->stats.fragments_reassembled++;
	return ret;
}

static void receive_protected(struct espnicd *d, struct ike_sa *sa,
			      const struct sockaddr_storage *local,
			      const struct sockaddr_storage *remote, const uint8_t *buf, size_t len)
{
	struct ike_message *msg = d->rx_msg;
	const struct ike_header *h;
	const struct ike_payload *sk;
	uint8_t first;
	bool response, fragment;
	int ret, n;

	ret = ike_message_parse(buf, len, msg);
	if (ret < 0) {
		log_unauth(d, LOG_LEVEL_DEBUG, "%s: unparsable message dropped (%d)", sa_name(sa),
			   ret);
		if (len > IKE_HEADER_LEN && buf[16] == IKE_PAYLOAD_SKF)
			d->stats.fragments_dropped++; /* e.g. fragment numbers that do not fit */
		return;
	}
	h = &msg->header;
	response = h->flags & IKE_FLAG_RESPONSE;
	if (sa->state == IKE_SA_INIT_SENT || msg->payload_count == 0)
		return;
	sk = &msg->payloads[msg->payload_count - 1];
	fragment = sk->type == IKE_PAYLOAD_SKF;
	if (fragment && !sa->frag) {
		d->stats.fragments_dropped++;
		log_unauth(d, LOG_LEVEL_DEBUG,
			   "%s: fragment dropped: fragmentation was not negotiated", sa_name(sa));
		return;
	}
	if (sk->type != IKE_PAYLOAD_SK && !fragment) {
		log_unauth(d, LOG_LEVEL_DEBUG, "%s: message without SK payload dropped",
			   sa_name(sa));
		return;
	}
	if (response) {
		if (sa->request.kind == REQUEST_NONE || sa->request.buf == NULL ||
		    h->message_id != sa->request.id)
			return;
	} else if (h->message_id != sa->expected_peer_id &&
		   !(sa->last_response.valid && h->message_id == sa->last_response.id &&
		     h->message_id + 1 == sa->expected_peer_id)) {
		log_unauth(d, LOG_LEVEL_DEBUG,
			   "%s: request with message ID %u outside the window dropped", sa_name(sa),
			   h->message_id);
		if (fragment)
			d->stats.fragments_dropped++;
		return;
	}
	n = ike_sk_decrypt(buf, len, sk, &sa->sk_recv, d->rx_plain, sizeof(d->rx_plain));
	if (n < 0) {
		log_unauth(d, LOG_LEVEL_DEBUG, "%s: message failed the integrity check, dropped",
			   sa_name(sa));
		if (fragment)
			d->stats.fragments_dropped++;
		return;
	}
	/* Authentic from here on. */
	sa->last_received = now_ms(d);
	if (!response && h->message_id + 1 == sa->expected_peer_id) {
		/* A retransmitted request; for a fragmented one, answer its first fragment only
		 * (RFC 7383 2.6.1). */
		if (!fragment || sk->u.sk.fragment_number == 1)
			wire_send(sa, &sa->last_response.wire);
		OPENSSL_cleanse(d->rx_plain, (size_t)n);
		return;
	}
	first = sk->next_payload;
	if (fragment) {
		n = take_fragment(d, sa, sk, h->message_id, response, (size_t)n, &first);
		if (n <= 0)
			return;
	}
	if (sa->natt || sockaddr_port(local) == d->cfg->natt_port) {
		/* Follow the peer's NAT mapping (RFC 7296 2.23) and our float, on a new
		 * authentic message only: a retransmission, or a replayed fragment of one not
		 * complete yet, comes from wherever whoever captured it wants. */
		sa->remote = *remote;
		sa->local = *local;
	}
	ret = ike_message_parse_inner(msg, first, d->rx_plain, (size_t)n);
	if (ret < 0) {
		log_warn("%s: malformed %s inside SK (%d)", sa_name(sa),
			 response ? "response" : "request", ret);
		if (response) {
			ike_sa_kill(sa, "malformed response");
		} else {
			sa->expected_peer_id++;
			answer_invalid_syntax(sa, h);
		}
	} else if (response) {
		task_manager_response(sa, msg);
	} else {
		sa->expected_peer_id++;
		task_manager_request(sa, msg);
	}
	OPENSSL_cleanse(d->rx_plain, (size_t)n);
}

void espnicd_receive(struct espnicd *d, const struct sockaddr_storage *local,
		     const struct sockaddr_storage *remote, const uint8_t *buf, size_t len)
{
	struct ike_header hdr;
	struct ike_sa *sa;
	int ret;

	/* Version 1.0 (RFC 2408 3.1): the IKEv1 state machines. */
	if (len >= IKE_HEADER_LEN && buf[17] == 0x10) {
		ikev1_receive(d, local, remote, buf, len);
		reap_dead(d);
		start_pending(d);
		return;
	}
	if (ike_header_parse(buf, len, &hdr) < 0 || hdr.length != len) {
		log_unauth(d, LOG_LEVEL_DEBUG,
			   "datagram of %zu octets is no IKEv2 message, dropped", len);
		return;
	}
	if (hdr.exchange_type == IKE_EXCHANGE_IKE_SA_INIT && !(hdr.flags & IKE_FLAG_RESPONSE)) {
		ret = ike_message_parse(buf, len, d->rx_msg);
		if (ret < 0)
			log_unauth(d, LOG_LEVEL_DEBUG, "malformed IKE_SA_INIT dropped (%d)", ret);
		else
			ike_init_process_request(d, local, remote, buf, len, d->rx_msg);
		reap_dead(d);
		return;
	}
	sa = lookup(d, &hdr);
	if (sa == NULL) {
		log_unauth(d, LOG_LEVEL_DEBUG, "message for an unknown IKE_SA dropped");
		return;
	}
	if (hdr.exchange_type == IKE_EXCHANGE_IKE_SA_INIT) {
		if (ike_message_parse(buf, len, d->rx_msg) == 0)
			ike_init_process_response(sa, buf, len, d->rx_msg);
	} else {
		receive_protected(d, sa, local, remote, buf, len);
	}
	reap_dead(d);
	start_pending(d);
}

uint64_t espnicd_next_timer(struct espnicd *d)
{
	uint64_t t = unauth_log_next_timer(d);

	for (struct ike_sa *sa = d->sas; sa != NULL; sa = sa->next) {
		uint64_t s = task_manager_next_timer(sa);

		if (s < t)
			t = s;
	}
	return t;
}

void espnicd_run_timers(struct espnicd *d)
{
	uint64_t now = now_ms(d);
	struct ike_sa *sa, *next;

	unauth_log_flush(d);
	for (sa = d->sas; sa != NULL; sa = next) {
		next = sa->next;
		task_manager_run_timers(sa, now);
	}
	reap_dead(d);
	start_pending(d);
}

void espnicd_dataplane_events(struct espnicd *d)
{
	struct dp_event ev;

	while (dp_next_event(d->dp, &ev) == 1) {
		struct child_sa *c = NULL;
		struct ike_sa *sa;

		if (ev.type == DP_EVENT_ACQUIRE) {
			acquire(d, ev.reqid);
			continue;
		}
		for (sa = d->sas; sa != NULL; sa = sa->next) {
			if (sa->state == IKE_SA_ESTABLISHED &&
			    (c = child_find_in(sa, ev.spi_in)) != NULL)
				break;
		}
		if (c == NULL) {
			log_debug("dataplane event for unknown SPI %08x ignored", ev.spi_in);
			continue;
		}
		if (ev.type == DP_EVENT_SOFT_EXPIRE && c->state == CHILD_SA_INSTALLED)
			c->want_rekey = true;
		else if (ev.type == DP_EVENT_HARD_EXPIRE)
			c->want_delete = true;
		task_manager_schedule(sa);
	}
	reap_dead(d);
	start_pending(d);
}

static int ike_bypass(const struct espnicd_config *cfg, struct dp *dp, uint16_t port,
		      uint16_t natt_port)
{
	struct sockaddr_storage addrs[DP_MAX_IKE_ADDRS];
	unsigned n = config_ike_addresses(cfg, addrs, DP_MAX_IKE_ADDRS);

	if (n > DP_MAX_IKE_ADDRS) {
		log_error("more than %u distinct local IKE addresses: IKE from the others is not "
			  "let through the dataplane",
			  DP_MAX_IKE_ADDRS);
		n = DP_MAX_IKE_ADDRS;
	}
	return dp_set_ike_bypass(dp, addrs, n, port, natt_port);
}

int espnicd_set_ike_bypass(const struct espnicd_config *cfg, struct dp *dp)
{
	return ike_bypass(cfg, dp, cfg->port, cfg->natt_port);
}

void espnicd_reload(struct espnicd *d, struct espnicd_config *cfg)
{
	struct espnicd_config *old = d->cfg;
	int ret;

	if (cfg->port != old->port || cfg->natt_port != old->natt_port ||
	    memcmp(&cfg->listen, &old->listen, sizeof(cfg->listen)) != 0)
		log_warn("reload: listen address and ports change only with a restart");
	/* The sockets (and ports) stay; new local addresses get their IKE bypass first. */
	if ((ret = ike_bypass(cfg, d->dp, old->port, old->natt_port)) < 0)
		log_error("reload: IKE bypass rules not updated: %s", strerror(-ret));
	d->cfg = cfg;
	for (struct ike_sa *sa = d->sas; sa != NULL; sa = sa->next) {
		const struct cfg_peer *p = config_find_peer(cfg, sa->peer.name);

		if (sa->state == IKE_SA_DEAD)
			continue;
		if (p == NULL) {
			log_info("%s: peer removed from the configuration", sa_name(sa));
			if (sa->state == IKE_SA_ESTABLISHED)
				sa->want_delete = true;
			else if (sa->state != IKE_SA_DELETING)
				ike_sa_kill(sa, "peer removed");
			task_manager_schedule(sa);
		} else if (sa->state == IKE_SA_ESTABLISHED) {
			/* Endpoints stay (they may have floated); the rest applies from the next
			 * rekey on. */
			struct sockaddr_storage local = sa->local, remote = sa->remote;

			config_peer_release(&sa->peer);
			config_peer_copy(&sa->peer, p);
			sa->local = local;
			sa->remote = remote;
		}
	}
	config_free(old);
	log_info("configuration reloaded: %u peers", cfg->peer_count);
	traps_sync(d, true);
	espnicd_start(d);
}

void espnicd_shutdown(struct espnicd *d)
{
	d->shutting_down = true;
	for (struct ike_sa *sa = d->sas; sa != NULL; sa = sa->next) {
		switch (sa->state) {
		case IKE_SA_ESTABLISHED: /* deleted by delete_pending, a window at a time */
		case IKE_SA_DELETING:
		case IKE_SA_DEAD:
			break;
		default:
			ike_sa_kill(sa, "shutting down");
			break;
		}
	}
	reap_dead(d);
	delete_pending(d);
}

bool espnicd_idle(const struct espnicd *d)
{
	return d->sas == NULL;
}

void espnicd_get_stats(const struct espnicd *d, struct espnicd_stats *st)
{
	*st = d->stats;
}

unsigned espnicd_sa_count(const struct espnicd *d)
{
	return d->index.count;
}

int espnicd_sa_info(struct espnicd *d, unsigned index, struct espnicd_sa_info *info)
{
	const struct ike_sa *sa = d->sas;
	unsigned at = 0;

	/* Callers go 0, 1, 2...: going on from the last one keeps a listing of N SAs at N steps
	 * rather than N * N / 2 (with thousands of SAs, the status file took all the time). */
	if (d->info_cursor.sa != NULL && d->info_cursor.generation == d->sa_generation &&
	    index >= d->info_cursor.index) {
		sa = d->info_cursor.sa;
		at = d->info_cursor.index;
	}
	while (sa != NULL && at < index) {
		sa = sa->next;
		at++;
	}
	if (sa == NULL)
		return -ENOENT;
	d->info_cursor.sa = sa;
	d->info_cursor.index = index;
	d->info_cursor.generation = d->sa_generation;
	memset(info, 0, sizeof(*info));
	strcpy(info->peer, sa->peer.name);
	info->initiator = sa->initiator;
	info->version = sa->v1 != NULL ? 1 : 2;
	info->state = sa->state;
	memcpy(info->spi_i, sa->spi_i, IKE_SPI_LEN);
	memcpy(info->spi_r, sa->spi_r, IKE_SPI_LEN);
	info->nat_local = sa->nat_local;
	info->nat_remote = sa->nat_remote;
	info->encap = sa->natt;
	for (const struct child_sa *c = sa->children; c != NULL; c = c->next) {
		if (info->child_count < 8) {
			info->child_spi_in[info->child_count] = c->spi_in;
			info->child_spi_out[info->child_count] = c->spi_out;
		}
		info->child_count++;
	}
	return 0;
}
