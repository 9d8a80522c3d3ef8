/* Internal to ikev1/: the IKEv1 state an IKE_SA carries (sa->v1), the quick mode in flight,
 * and what the files offer one another. */
#ifndef ESPNICD_IKEV1_INTERNAL_H
#define ESPNICD_IKEV1_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/child_sa.h"
#include "ike/flood_limits.h"
#include "ike/ike_sa.h"
#include "ike/sa_index.h"
#include "ike/task_dpd.h"
#include "ike/task_ike_auth.h"
#include "ike/traffic_selectors.h"
#include "ike/transmit.h"
#include "ike/util.h"
#include "ikev1.h"
#include "ikev1_crypto.h"
#include "ikev1_message.h"

#define V1_MAX_OUT	       4096 /* one datagram of ours (no certificates yet) */
#define V1_SAI_MAX	       2048 /* the initiator's SA payload body (SAi_b) */
#define V1_NONCE	       32
#define V1_CERT_X509_SIGNATURE 4     /* CERT / CERTREQ encoding (RFC 2408 3.9) */
#define V1_N_CONNECTED	       16384 /* RFC 2408 3.14.1: the quick mode committed (commit bit) */
#define V1_HEADER_FLAGS	       19    /* offset of the flags octet in the ISAKMP header */
#define V1_SIG_MAX	       1024  /* a SIG payload of ours */
#define V1_DELETE_OLD_MS       2000
#define V1_DELETE_LINGER_MS    200 /* our Delete of the ISAKMP SA is out: gone after this */
#define V1_OUT_CHECK_MS                                                                            \
	50 /* a rekey's initiator looks this often for the peer's first packet */ /* a rekeyed     \
										     CHILD_SA is   \
										     deleted this  \
										     long after    \
										     its successor \
										   */

enum v1_state {
	V1_MM_I1 = 1, /* initiator: SA offer out */
	V1_MM_I2,     /* initiator: KE, Ni out */
	V1_MM_I3,     /* initiator: IDii, HASH_I out */
	V1_MM_R1,     /* responder: SA answer out */
	V1_MM_R2,     /* responder: KE, Nr out */
	V1_AM_I1,     /* initiator: aggressive mode 1 out */
	V1_AM_R1,     /* responder: aggressive mode 2 out */
	V1_EST,	      /* phase 1 done */
};

/* One quick mode (RFC 2409 5.5), either side. */
struct v1_quick {
	bool active, initiator;
	uint32_t msgid;
	struct ikev1_iv iv;
	uint8_t ni[IKEV1_NONCE_MAX_LEN], nr[IKEV1_NONCE_MAX_LEN];
	size_t ni_len, nr_len;
	struct ike_dh *dh;
	uint8_t g_qm[IKE_MAX_DH_SECRET];
	size_t g_qm_len;
	uint32_t spi_in, spi_out;
	uint32_t installed_in; /* spi_in once the pair is on the dataplane */
	uint32_t reqid;
	uint32_t old_spi_in; /* a rekey: the pair it replaces (0: a new CHILD_SA) */
	struct selected_proposal sel;
	enum dp_mode mode;
	struct ike_ts_payload ts_local, ts_remote;
	bool ids_sent; /* IDci/IDcr on the wire (else the IKE addresses) */
	/* The commit bit (RFC 2408 3.1): the initiator set it, so the responder echoes it and
	 * sends CONNECTED once the pair is installed; the initiator that sees it in the answer
	 * keeps HASH(3) retransmitted and outbound on the old pair until CONNECTED comes. */
	bool commit;
	bool connected_wait;
};

struct ikev1_sa {
	enum v1_state st;
	struct ikev1_phase1_suite suite;
	struct ikev1_sa_keys keys;
	struct ikev1_iv iv; /* phase 1's CBC chain; after message 6 the base of every exchange */
	uint8_t sai_b[V1_SAI_MAX];
	size_t sai_len;
	uint8_t gxi[IKE_MAX_DH_PUBLIC], gxr[IKE_MAX_DH_PUBLIC];
	size_t gxi_len, gxr_len;
	bool peer_natt, peer_dpd;
	struct cfg_id own_id; /* with auth pubkey: the identity we send */
	/* Quick modes to start, one per selector pair of the configuration without a CHILD_SA
	 * (v1_quick_start), from pair next_pair on. */
	bool pairs_pending;
	unsigned next_pair;
	unsigned replaces;	/* a phase-1 rekey: the unique_id of the ISAKMP SA it replaces */
	uint8_t peer_id_b[256]; /* aggressive mode responder: IDii_b until HASH_I comes */
	size_t peer_id_len;
	/* The last datagram we sent, retransmitted on timeout while an answer is due, or when
	 * the peer repeats the message it answered (last_in: its SHA-256). */
	uint8_t out[V1_MAX_OUT];
	size_t out_len;
	bool awaiting;
	unsigned retransmits;
	uint64_t deadline;
	uint8_t last_in[32];
	bool last_in_valid;
	const char *failure; /* what an unauthenticated refusal of the peer said */
	struct v1_quick qm;
	uint32_t dpd_seq;
	bool dpd_out;
	uint64_t dpd_sent_at;
};

static inline struct ike_span sp(const void *p, size_t n)
{
	return (struct ike_span){p, n};
}

/* ikev1_transmit.c */
void v1_send(struct ike_sa *sa, const uint8_t *buf, size_t len, bool awaiting);
/* A cleartext message of payloads p[0..n). */
int v1_clear(struct ike_sa *sa, uint8_t exchange, const struct ikev1_payload *p, size_t n,
	     uint8_t *out, size_t cap);
/* Writes header + encrypted chain (plain, first payload type) with iv into sa->v1->out. */
int v1_seal(struct ike_sa *sa, uint8_t exchange, uint32_t msgid, struct ikev1_iv *iv, uint8_t first,
	    const uint8_t *plain, size_t plain_len, uint8_t *out, size_t cap);
/* Decrypts and parses msg (encrypted body) with iv; *next the chain after it. */
int v1_open(struct ike_sa *sa, struct ikev1_message *msg, const struct ikev1_iv *iv,
	    struct ikev1_iv *next, uint8_t *plain, size_t cap);
/* The same for the cookies of an ISAKMP SA that does not exist (yet). */
int v1_clear_cookies(const uint8_t *spi_i, const uint8_t *spi_r, uint8_t exchange,
		     const struct ikev1_payload *p, size_t n, uint8_t *out, size_t cap);
void v1_send_notify_cookies(struct espnicd *d, const struct sockaddr_storage *local,
			    const struct sockaddr_storage *remote, const uint8_t *spi_i,
			    const uint8_t *spi_r, uint16_t type);
/* A plaintext chain of payloads into buf; returns its length. */
int v1_chain(const struct ikev1_payload *p, size_t n, uint8_t *buf, size_t cap);
/* An informational exchange with one Notify or Delete payload, protected (HASH(1)). */
int v1_send_info(struct ike_sa *sa, const struct ikev1_payload *p);
/* The same kept as our last message (sent again when the peer repeats its own). */
int v1_send_info_kept(struct ike_sa *sa, const struct ikev1_payload *p);
void v1_send_notify_clear(struct ike_sa *sa, uint16_t type);
/* A Notify payload of the IPsec DOI. */
struct ikev1_payload v1_notify(uint8_t protocol, struct ike_span spi, uint16_t type,
			       struct ike_span data);

/* ikev1_proposal.c */
void v1_p1_offer(const struct cfg_peer *p, struct ikev1_sa_payload *sa);
/* Whether an acceptable suite is one our configuration allows. */
bool v1_p1_ours(const struct cfg_peer *p, const struct ikev1_phase1_suite *s);
/* Responder: the index of the first transform we accept (into *suite), or -1. */
int v1_p1_choose(struct espnicd *d, const struct cfg_peer *peer, const char *name,
		 const struct ikev1_sa_payload *offer, struct ikev1_phase1_suite *suite);
/* Initiator: the responder's answer to our offer (one transform of ours) into the suite, its
 * cookie, its vendor IDs; false (the SA killed) when it chose what we did not offer. */
bool v1_p1_take_answer(struct ike_sa *sa, const struct ikev1_message *msg);

/* ikev1_nat.c */
size_t v1_natd_build(struct ike_sa *sa, struct ikev1_payload *p, uint8_t (*buf)[64]);
void v1_natd_process(struct ike_sa *sa, const struct ikev1_message *msg);
void v1_vendor_ids(struct ike_sa *sa, const struct ikev1_message *msg);
size_t v1_vendor_build(struct ikev1_payload *p);
void v1_float_natt(struct ike_sa *sa);

/* ikev1_phase1_keys.c */
int v1_ke_nonce_make(struct ike_sa *sa, struct ikev1_payload *p);
int v1_take_ke(struct ike_sa *sa, const struct ikev1_message *msg);
int v1_keys(struct ike_sa *sa);

/* ikev1_auth.c */
void v1_own_id(struct ike_sa *sa, struct ikev1_payload *p);
int v1_own_hash(struct ike_sa *sa, const struct ikev1_payload *id, uint8_t *hash,
		struct ikev1_payload *out);
/* SIG_I / SIG_R over our ID payload id with our certificate's key, as *out (value in sig). */
int v1_own_sig(struct ike_sa *sa, const struct ikev1_payload *id, uint8_t *sig, size_t cap,
	       struct ikev1_payload *out);
/* Our certificates as CERT payloads p[0..max) (DER in buf); returns how many. */
size_t v1_own_certs(struct ike_sa *sa, struct ikev1_payload *p, size_t max, uint8_t *buf,
		    size_t cap);
/* CERTREQ payloads naming our trusted CAs (none without auth pubkey); returns how many. */
size_t v1_certreqs(struct ike_sa *sa, struct ikev1_payload *p, size_t max, uint8_t *buf,
		   size_t cap);
/* The peer's SIG over its ID payload body id_b, its CERT chain and identity (creds.h). */
bool v1_verify_sig(struct ike_sa *sa, struct ike_span id_b, const struct ikev1_message *msg);
bool v1_verify_hash(struct ike_sa *sa, struct ike_span id_b, const struct ikev1_payload *hash);
void v1_switch_peer(struct ike_sa *sa, const struct ikev1_payload *id);

/* ikev1_main_mode.c */
/* Main (or aggressive) mode 1. old: the ISAKMP SA this one replaces (a phase-1 rekey). */
int v1_initiate(struct espnicd *d, const struct cfg_peer *peer, const struct ike_sa *old);
/* A first message of main or aggressive mode as responder: a new IKE_SA, or NULL. answered:
 * main mode 2 already went out (v1_answer_1), it is only kept as our last message. */
struct ike_sa *v1_respond_1(struct espnicd *d, const struct sockaddr_storage *local,
			    const struct sockaddr_storage *remote, const struct ikev1_message *msg,
			    bool answered);
/* Main mode 1 answered without state (RFC 2408 2.5.3): our cookie from the COOKIE secret,
 * the transform chosen, main mode 2; the message (buf) kept in the pending table until main
 * mode 3 returns the cookie. */
void v1_answer_1(struct espnicd *d, const struct sockaddr_storage *local,
		 const struct sockaddr_storage *remote, const struct ikev1_message *msg,
		 const uint8_t *buf, size_t len);

/* ikev1_pending.c */
void v1_pending_add(struct espnicd *d, const uint8_t *spi_i, const uint8_t *spi_r,
		    const struct sockaddr_storage *local, const struct sockaddr_storage *remote,
		    const uint8_t *buf, size_t len);
/* Main mode 3 (header h) from remote carries the cookie we made for a kept first message:
 * the IKE_SA made from it now (v1_respond_1), or NULL. */
struct ike_sa *v1_pending_resume(struct espnicd *d, const struct ike_header *h,
				 const struct sockaddr_storage *remote);
void v1_main_mode_process(struct ike_sa *sa, struct ikev1_message *msg,
			  const struct sockaddr_storage *local,
			  const struct sockaddr_storage *remote, uint8_t *plain, size_t cap);
void v1_established(struct ike_sa *sa);

/* ikev1_aggressive.c */
int v1_aggressive_respond_1(struct ike_sa *sa, const struct ikev1_message *msg,
			    struct ikev1_payload *p, size_t n);
int v1_aggressive_initiate(struct ike_sa *sa, struct ikev1_sa_payload *offer,
			   struct ikev1_payload *p, size_t n);
void v1_aggressive_process(struct ike_sa *sa, struct ikev1_message *msg,
			   const struct sockaddr_storage *local,
			   const struct sockaddr_storage *remote, uint8_t *plain, size_t cap);

/* ikev1_informational.c */
void v1_informational(struct ike_sa *sa, struct ikev1_message *msg);
void v1_clear_informational(struct ike_sa *sa, const struct ikev1_message *msg);
void v1_initial_contact(struct ike_sa *sa);
size_t v1_initial_contact_build(struct ike_sa *sa, uint8_t cookies[16], struct ikev1_payload *p);
void v1_send_isakmp_delete(struct ike_sa *sa);

/* ikev1_quick.c */
/* A quick mode rekeying old, or (NULL) for the next selector pair without a CHILD_SA
 * (-ENOENT: none left). */
int v1_quick_start(struct ike_sa *sa, struct child_sa *old);
/* Phase 1 is up and we initiated it: a CHILD_SA per selector pair unless it has some (taken
 * over from the ISAKMP SA it replaces). */
void v1_children_wanted(struct ike_sa *sa);
void v1_quick_process(struct ike_sa *sa, struct ikev1_message *msg);
void v1_quick_clear(struct ike_sa *sa);
int v1_delete_child(struct ike_sa *sa, struct child_sa *c);
/* CONNECTED from the peer: our quick mode waiting for it completes. */
void v1_quick_connected(struct ike_sa *sa, const struct ikev1_notify_payload *n);

#endif
