/* A two-node test bench for the daemon core: fake clock, in-memory "network" that queues
 * datagrams between cores, recording dataplanes, and log capture. */
#ifndef ESPNICD_TEST_HARNESS_H
#define ESPNICD_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/dataplane.h"
#include "ike/espnicd.h"

#define H_MAX_PACKETS 64
#define H_MAX_NODES   4
#define H_LOG_LINES   256

struct h_packet {
	struct sockaddr_storage from, to;
	bool keepalive;
	size_t len;
	uint8_t data[8192];
};

struct h_node {
	struct espnicd *core;
	struct dp *dp;
	const char *addr;
};

struct harness {
	uint64_t now;
	struct h_node nodes[H_MAX_NODES];
	unsigned node_count;
	struct h_packet *queue;
	unsigned queued;
	unsigned sent_total;
	bool drop_all; /* the network eats everything */
	/* A NAT in front of node 0: its datagrams leave from nat_public with the source port
	 * moved up by nat_port_offset, and answers to that address come back to it. */
	bool nat;
	const char *nat_public;
	uint16_t nat_port_offset;
	unsigned keepalives;
	char log[H_LOG_LINES][256];
	unsigned log_count;
};

extern struct harness *H;

void h_setup(void);
void h_teardown(void);
/* The same as cmocka per-test setup and teardown functions. */
int h_test_setup(void **state);
int h_test_teardown(void **state);
/* A node with the JSON configuration (psk_file is written for it with every peer's key
 * "psk"). Returns its index. */
int h_node_add(const char *addr, const char *json, const char *psk);
/* A reload (SIGHUP) of node with the configuration json (psk_file as for h_node_add). */
void h_node_reload(int node, const char *json, const char *psk);
/* A crash and restart of node: its core and dataplane are dropped without a word to the peer
 * (queued datagrams are lost) and made anew from json. */
void h_node_restart(int node, const char *json, const char *psk);
/* Delivers queued datagrams until the network is quiet (bounded). */
void h_pump(void);
/* Advances the fake clock to the next timer (of any node) at most until limit, running
 * timers and pumping. */
void h_run_until(uint64_t limit);
bool h_log_contains(const char *needle);
/* How many captured lines contain needle. */
unsigned h_log_count(const char *needle);
unsigned h_installed(int node);
/* Inbound SPIs node's dataplane holds reserved (allocated, not installed). */
unsigned h_reserved(int node);
/* Any datagram from node; NULL if none queued. */
struct h_packet *h_take(void);
void h_deliver(struct h_packet *p);
int h_parse_addr(const char *text, uint16_t port, struct sockaddr_storage *out);

#endif
