/* Internal to the daemon core: the IKE_SA and CHILD_SA objects, the daemon's state (struct
 * espnicd), and the IKE_SA's lifecycle and keys (sa.c). What each other file offers is in its
 * own header (child_sa.h, transmit.h, task_manager.h, ...). */
#ifndef ESPNICD_IKE_SA_H
#define ESPNICD_IKE_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "espnicd.h"
#include "ike_crypto.h"
#include "ike_frag.h"
#include "ike_message.h"
#include "ike_sk.h"
#include "log.h"

#define MAX_MESSAGE		  16384 /* a whole (reassembled) message: certificates make IKE_AUTH big */
#define COOKIE_MAX		  64
#define REKEY_JITTER		  10	/* percent of a rekey time taken off at random */
#define HALF_OPEN_TIMEOUT_MS	  30000 /* responder: IKE_AUTH must follow within this */
#define REKEYED_TIMEOUT_MS	  30000 /* a replaced IKE_SA waits this long for its delete */
#define COOKIE_SECRET_LIFETIME_MS 60000 /* the COOKIE secret is replaced this often */

enum ike_sa_state {
	IKE_SA_INIT_SENT = 1, /* initiator: IKE_SA_INIT request out */
	IKE_SA_INIT_DONE,     /* responder: IKE_SA_INIT answered, waiting for IKE_AUTH */
	IKE_SA_AUTH_SENT,     /* initiator: IKE_AUTH request out */
	IKE_SA_ESTABLISHED,
	IKE_SA_REKEYED,	 /* replaced by a new IKE_SA, waiting for its delete */
	IKE_SA_DELETING, /* our delete is out */
	IKE_SA_DEAD,	 /* to be destroyed */
};

enum child_sa_state {
	CHILD_SA_INSTALLED = 1,
	CHILD_SA_REKEYING, /* our rekey is out */
	CHILD_SA_REKEYED,  /* replaced; old pair kept until the delete completes */
	CHILD_SA_DELETING, /* our delete is out */
};

/* The algorithms one side chose from a proposal. */
struct selected_proposal {
	uint8_t number;
	uint8_t protocol;
	uint8_t spi_len;
	uint8_t spi[8];
	uint16_t encr, encr_bits, prf, integ, dh, esn;
};

struct child_sa {
	struct child_sa *next;
	uint32_t reqid;
	uint32_t spi_in, spi_out;
	enum child_sa_state state;
	enum dp_mode mode; /* as installed: tunnel, or transport (USE_TRANSPORT_MODE) */
	struct selected_proposal proposal;
	struct ike_ts_payload ts_local, ts_remote;
	uint64_t rekey_at, expire_at, delete_at;
	bool want_rekey, want_delete;
	uint64_t dpd_in_packets; /* the dataplane's inbound count at the last liveness look */
	/* Rekeyed by the peer: outbound still on the old pair until the peer shows it has this
	 * one (a packet on it, or its Delete of the old pair); next look at the counters. */
	bool out_pending;
	uint64_t out_check_at;
};

/* An encoded message as datagrams: one, or the SKF fragments of RFC 7383, back to back. One
 * allocation of the message's own length holds the datagrams and then their lengths. */
struct wire_msg {
	uint8_t *buf;
	size_t len;
	unsigned count;
	uint16_t *lens; /* count of them, after the datagrams in buf */
};

/* What a request in flight is for (task_manager.c maps each kind to the task that sends it). */
enum request_kind {
	REQUEST_NONE = 0,
	REQUEST_IKE_SA_INIT,
	REQUEST_IKE_AUTH,
	REQUEST_CHILD_REKEY,
	REQUEST_IKE_REKEY,
	REQUEST_CHILD_ADDITIONAL, /* CREATE_CHILD_SA for an additional CHILD_SA (RFC 7296 1.3.1) */
	REQUEST_DELETE_CHILD,
	REQUEST_DELETE_IKE,
	REQUEST_DPD,
};

/* Per-exchange state of a CREATE_CHILD_SA in flight (ours or, transiently, the peer's). */
struct create_child_ctx {
	struct child_sa *old_child; /* rekey: the SA being replaced */
	/* RFC 7296 2.8.1/2.8.2: the peer rekeyed the same SA while this request was out. The
	 * SA it created and the lower nonce of its exchange decide which rekey survives. */
	struct child_sa *collision_child;
	struct ike_sa *collision_ike;
	uint8_t *collision_nonce; /* allocated while a collision is pending */
	size_t collision_nonce_len;
	uint32_t new_spi_in;
	uint8_t nonce[32];
	size_t nonce_len;
	struct ike_dh *dh;
	bool ke_retried; /* this request is the retry with the group an INVALID_KE_PAYLOAD named */
	uint8_t new_ike_spi[IKE_SPI_LEN]; /* IKE rekey: our SPI of the new IKE_SA */
};

struct ike_sa {
	struct ike_sa *next, *prev;
	struct espnicd *d;
	/* sa_index.c: the hash chains this SA is in, and the source it counts as half-open for. */
	struct ike_sa *spi_next, *peer_next;
	uint32_t spi_bucket, peer_bucket;
	bool in_peer_index;
	struct half_open_host *half_open_host;
	unsigned unique_id;
	struct cfg_peer peer; /* a copy: reload does not change an SA under negotiation */
	enum ike_sa_state state;
	bool initiator;
	uint8_t spi_i[IKE_SPI_LEN], spi_r[IKE_SPI_LEN];
	struct sockaddr_storage local, remote;
	bool nat_local, nat_remote, natt; /* natt: floated to 4500, ESP in UDP */

	struct selected_proposal proposal;
	const struct ike_encr_alg *encr;
	const struct ike_prf_alg *prf;
	const struct ike_integ_alg *integ;
	uint16_t dh_group; /* the group in use (the KE we send) */
	struct ike_dh *dh;
	uint8_t ni[IKE_NONCE_MAX_LEN], nr[IKE_NONCE_MAX_LEN];
	size_t ni_len, nr_len;
	struct ike_sa_keys keys;
	struct ike_sk_key sk_send, sk_recv;
	uint8_t *init_request, *init_response; /* IKE_SA_INIT as on the wire: AUTH signs them */
	size_t init_request_len, init_response_len;
	uint8_t cookie[COOKIE_MAX];
	size_t cookie_len;
	unsigned init_retries; /* COOKIE and INVALID_KE_PAYLOAD round trips */
	/* Unauthenticated answers to our IKE_SA_INIT request (RFC 7296 2.21.1) are anyone's to
	 * forge: they are remembered, and acted on only when the retransmission timeout passes
	 * without a valid answer. The group an INVALID_KE_PAYLOAD asked for (one we may use),
	 * and why to give up (an error notify, an answer we refuse). */
	uint16_t init_wanted_group;
	const char *init_failure;

	/* Message IDs (window size 1, RFC 7296 2.3). */
	uint32_t next_request_id;  /* the ID our next request gets */
	uint32_t expected_peer_id; /* the ID of the peer's next request */
	struct {
		enum request_kind kind;
		uint32_t id;
		uint8_t *buf; /* the first (or only) datagram: wire.buf */
		size_t len;
		struct wire_msg wire;
		unsigned retransmits;
		uint64_t deadline;
		uint64_t give_up_at; /* DPD with dpd_timeout: unreachable from then (0 = tries) */
		struct create_child_ctx cc;
	} request;
	struct {
		bool valid;
		uint32_t id;
		uint8_t *buf; /* the first (or only) datagram: wire.buf */
		size_t len;
		struct wire_msg wire;
	} last_response;
	/* RFC 7383: negotiated in IKE_SA_INIT; fragments of the request and the response being
	 * received (decrypted, authentic), keyed by message ID. */
	bool frag;
	struct ike_frag_reassembly *frag_req, *frag_resp; /* allocated while fragments pend */
	uint32_t frag_req_id, frag_resp_id;
	unsigned peer_hashes; /* the peer's SIGNATURE_HASH_ALGORITHMS, 1 << id */
	bool certreq_received;

	struct child_sa *children;
	bool want_delete, want_ike_rekey;
	bool want_child; /* a new CHILD_SA for the peer's traffic (ACQUIRE or API), when idle */
	/* A peer we start ("start": true) without CHILD_SA (the peer deleted it, it expired):
	 * when to create one again, and the delay after that one (doubling up to a limit). */
	uint64_t child_again_at, child_again_delay;
	uint64_t established_at, ike_rekey_at, last_received, next_keepalive, dead_at;
	struct ike_sa *replaced_by; /* IKE rekey: our successor */
	/* Dead peer handling: the peer stopped answering an established SA (or a restart). */
	bool unreachable, restarted;
	uint64_t created_at;
	/* The identity the peer authenticated as (unique_ids): type, and data allocated at its
	 * length (NULL before IKE_AUTH). */
	uint8_t peer_auth_id_type;
	uint8_t *peer_auth_id;
	size_t peer_auth_id_len;
	/* CREATE_CHILD_SA requests of the peer that create SAs, in the current minute (carried
	 * over to the successor of an IKE_SA rekey). */
	struct {
		uint64_t minute_end;
		unsigned count;
		bool refusal_logged;
	} peer_creates;
	struct ikev1_sa *v1; /* an IKEv1 ISAKMP SA: its exchanges are ../ikev1/'s */
};

/* sa_index.c: IKE_SAs found without walking the list, for every datagram received. */
#define SA_INDEX_BUCKETS 4096 /* a power of two */
struct half_open_host {
	struct half_open_host *next;
	uint8_t family, addr[16];
	unsigned count;
};
struct sa_index {
	uint64_t key; /* random: chains do not follow from SPIs and addresses a peer picks */
	struct ike_sa *by_spi[SA_INDEX_BUCKETS];	/* by the SPI we chose */
	struct ike_sa *by_peer[SA_INDEX_BUCKETS];	/* responders: initiator SPI + host */
	struct half_open_host *hosts[SA_INDEX_BUCKETS]; /* half-open count per source address */
	unsigned half_open, dead, count;
};

struct espnicd {
	struct espnicd_config *cfg;
	struct dp *dp;
	struct espnicd_io io;
	struct ike_sa *sas;
	unsigned long sa_generation; /* changes whenever an SA joins or leaves sas */
	struct {
		const struct ike_sa *sa; /* espnicd_sa_info's last answer, for the next index */
		unsigned index;
		unsigned long generation;
	} info_cursor;
	struct sa_index index;
	unsigned next_unique_id;
	uint32_t next_reqid;
	/* Trap policies (reqid 0 = free), one per peer: on-demand peers' and held peers'
	 * (dpd_action hold: closed after DPD, initiated again by the trap's ACQUIRE). A held
	 * peer's trap stays until one of its CHILD_SAs is installed; then held ends and the trap
	 * goes, unless the peer is on-demand. */
	struct {
		char name[64];
		uint32_t reqid;
		bool held;
	} traps[CFG_MAX_PEERS];
	/* COOKIE secrets (RFC 7296 2.6), replaced every COOKIE_SECRET_LIFETIME_MS; the one
	 * before stays valid for one more lifetime, so a cookie made just before a rotation
	 * still verifies. */
	uint8_t cookie_secret[32], cookie_secret_prev[32];
	uint8_t cookie_version;
	bool cookie_prev_valid;
	uint64_t cookie_rotate_at;
	struct ikev1_pending *v1_pending; /* IKEv1 first messages before their cookie returns */
	/* Log lines that unauthenticated datagrams cause, in the current interval. */
	struct {
		uint64_t interval_end;
		unsigned lines, suppressed;
	} unauth_log;
	bool shutting_down;
	unsigned start_next;	    /* the next "start" peer to initiate (start_window) */
	struct ike_message *rx_msg; /* one parse buffer, it is large */
	uint8_t rx_plain[MAX_MESSAGE];
	/* Outgoing messages are encoded here, then copied to an allocation of their length. */
	uint8_t tx_scratch[2 * MAX_MESSAGE];
	struct espnicd_stats stats;
};

/* ---- sa.c: lifecycle, lookup, keys ---- */
uint64_t now_ms(struct espnicd *d);
struct ike_sa *ike_sa_new(struct espnicd *d, const struct cfg_peer *peer, bool initiator);
/* Marks the SA dead (logged with why); the core destroys it, removing its CHILD_SAs from the
 * dataplane, once the current event is handled. */
void ike_sa_kill(struct ike_sa *sa, const char *why);
void ike_sa_destroy(struct ike_sa *sa);
bool ike_sa_alive(struct espnicd *d, const struct ike_sa *sa); /* still listed, not dead */
void ike_sa_set_keys(struct ike_sa *sa, const struct selected_proposal *sel);
int ike_sa_derive_keys(struct ike_sa *sa, const uint8_t *g_ir, size_t g_ir_len,
		       const struct ike_sa *old);
void ike_sa_established(struct ike_sa *sa);
uint64_t jitter(uint64_t ms);
/* The earlier of a and b, b ignored when 0 (a timer not set). */
uint64_t min_nonzero(uint64_t a, uint64_t b);
const char *sa_name(const struct ike_sa *sa);

/* Every change of sa->state goes through here (the index counts half-open and dead SAs). */
void ike_sa_set_state(struct ike_sa *sa, enum ike_sa_state state);

/* Frees a reassembly and the fragments it holds (NULL: nothing). */
void frag_drop(struct ike_frag_reassembly **r);
/* Whether the peer named has an IKE_SA that is neither dead, rekeyed nor being deleted. */
bool peer_has_sa(struct espnicd *d, const char *name);

/* The new IKE_SA of an IKE_SA rekey (either side); it takes over the CHILD_SAs of old. */
struct ike_sa *ike_sa_successor(struct ike_sa *old, bool initiator, const uint8_t *spi_i,
				const uint8_t *spi_r, const struct selected_proposal *sel,
				struct ike_span ni, struct ike_span nr, const uint8_t *g_ir,
				size_t g_ir_len);

#endif
