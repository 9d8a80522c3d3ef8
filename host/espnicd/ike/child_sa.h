/* CHILD_SAs (child_sa.c): the negotiation shared by IKE_AUTH and CREATE_CHILD_SA in both
 * roles, the install into the dataplane (IKEv1 quick mode shares it), lookup, timers and
 * removal. */
#ifndef ESPNICD_CHILD_SA_H
#define ESPNICD_CHILD_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_sa.h"
#include "message_out.h"

/* Adds SA, TSi, TSr for a new CHILD_SA (rekey: for old) with inbound SPI spi_in. */
int child_create_build_request(struct ike_sa *sa, struct message_out *m, uint32_t spi_in,
			       const struct child_sa *old);
/* Responder: selects, narrows, derives (with the request's KE for PFS in CREATE_CHILD_SA),
 * installs; adds SA, [KE], TSi, TSr to the response, or an error notify. Returns the new
 * child or NULL. A rekey (rekey true) installs the inbound side only: outbound stays on the
 * old pair until child_out_switch. */
struct child_sa *child_create_respond(struct ike_sa *sa, const struct ike_message *msg,
				      struct message_out *resp, const uint8_t *ni, size_t ni_len,
				      const uint8_t *nr, size_t nr_len, bool create_child_sa,
				      uint32_t reqid, bool rekey);
/* Moves outbound traffic to c (installed by a rekey responder); why for the log. */
void child_out_switch(struct ike_sa *sa, struct child_sa *c, const char *why);
/* Rekey responder: looks whether the peer sent on c's inbound SA yet (timer). */
void child_out_check(struct ike_sa *sa, struct child_sa *c, uint64_t now);
/* A CHILD_SA's timers, either IKE version: the outbound check above, the hard lifetime
 * (want_delete) and the rekey time (want_rekey). */
void child_timers(struct ike_sa *sa, struct child_sa *c, uint64_t now);
/* Initiator: checks the answer, derives, installs. */
struct child_sa *child_create_complete(struct ike_sa *sa, const struct ike_message *msg,
				       uint32_t spi_in, const uint8_t *ni, size_t ni_len,
				       const uint8_t *nr, size_t nr_len, const uint8_t *g_ir,
				       size_t g_ir_len, uint32_t reqid);
void child_sa_remove(struct ike_sa *sa, struct child_sa *child);
/* Installs c (SPIs, proposal, selectors, reqid set) with keys (wiped here) into the dataplane
 * and into sa's list; the side that initiated the exchange is initiator. Frees c and returns
 * NULL when the dataplane refuses it. IKEv1 quick mode shares it. */
struct child_sa *child_install(struct ike_sa *sa, struct child_sa *c, bool initiator,
			       struct ike_child_keys *keys, enum dp_mode mode);
struct child_sa *child_find_in(struct ike_sa *sa, uint32_t spi_in);
struct child_sa *child_find_out(struct ike_sa *sa, uint32_t spi_out);

#endif
