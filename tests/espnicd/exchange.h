/* exchange.h: the two-node scene shared by the exchange tests (test_exchange_*.c): initiator A
 * (node 0) and responder B (node 1) on the harness, each with one peer "peer" and the key
 * "s3cret-s3cret-s3cret" (a PSK needs at least 16 bytes). */
#ifndef ESPNICD_TEST_EXCHANGE_H
#define ESPNICD_TEST_EXCHANGE_H

#include <stdint.h>

#include "harness.h"

#define A_ADDR "198.18.0.1"
#define B_ADDR "198.18.0.2"

/* The configuration of A (198.18.1.0/24 to 198.18.2.0/24) or B (198.18.2.0/24 to
 * 198.18.1.0/16): extra is spliced into the peer object, top into the top level. The text
 * lives in a static buffer until the next call. */
const char *peer_a(const char *extra, const char *top);
const char *peer_b(const char *extra, const char *top);
/* cmocka setup and teardown: a fresh harness per test. */
int exchange_setup(void **state);
int exchange_teardown(void **state);
/* A test of the two-node scene in a cmocka table. */
#define EXCHANGE_TEST(f) cmocka_unit_test_setup_teardown(f, exchange_setup, exchange_teardown)
struct espnicd_sa_info info_of(int node, unsigned index);
/* A and B added (asserted to be nodes 0 and 1). */
void pair(const char *extra_a, const char *extra_b, const char *top_a, const char *top_b);
/* The keys A sends with are the keys B receives with, and the other way round. */
void assert_children_match(void);
/* A initiates; both IKE_SAs ESTABLISHED. */
void establish(void);
/* The reqid of node's one trap (asserted to be one). */
uint32_t trap_of(int node);
/* The dataplane raises ACQUIRE for reqid on node, and the core reads it. */
void acquire(int node, uint32_t reqid);
/* How often node's dataplane re-armed a trap. */
unsigned rearms(int node);
/* B deletes the CHILD_SA (its hard lifetime) and leaves the IKE_SA up. */
void peer_deletes_child(void);

#endif
