/* espnic_simproto.h: the MMIO transport between libespnic and a running
 * simulated card (`espnic-sim run`).
 *
 * A UNIX SOCK_SEQPACKET socket (default /run/espnic/NAME.sock); every message
 * is one packet in host byte order (both ends are on the same machine).
 *
 *  client -> card  REQUEST: a header and n ops, executed in order. Writes are
 *                  posted (the driver batches them), STEP clocks the card while
 *                  the driver waits for a command, READ returns a value. The
 *                  card answers with one RESPONSE (the read values in order)
 *                  when the request has reads or asks for an ACK, else not.
 *  client -> card  SUBSCRIBE: this connection now only receives EVENT
 *                  notifications; its descriptor is the driver's event fd.
 *  client -> card  INFO: answered by an INFO response (name, width, cycles).
 *  card -> client  EVENT: the card's event line rose (events wait in the
 *                  event ring until the driver pops them, EV_PROD/EV_CONS).
 */
#ifndef ESPNIC_SIMPROTO_H
#define ESPNIC_SIMPROTO_H

#include <stdint.h>

#define ESPNIC_SIM_MAGIC   0x534e5045u /* "EPNS" */
#define ESPNIC_SIM_MAX_OPS 512
#define ESPNIC_SIM_RUN_DIR "/run/espnic"

enum espnic_sim_type {
	ESPNIC_SIM_REQUEST = 1,
	ESPNIC_SIM_RESPONSE = 2,
	ESPNIC_SIM_SUBSCRIBE = 3,
	ESPNIC_SIM_EVENT = 4,
	ESPNIC_SIM_INFO = 5,
};

enum espnic_sim_opcode {
	ESPNIC_SIM_OP_READ = 1,
	ESPNIC_SIM_OP_WRITE = 2,
	ESPNIC_SIM_OP_STEP = 3, /* value: cycles (at most 65536) */
};

#define ESPNIC_SIM_FLAG_ACK 1u

struct espnic_sim_hdr {
	uint32_t magic;
	uint16_t type;
	uint16_t flags;
	uint32_t seq; /* echoed in the response */
	uint32_t n;   /* ops in a request, values in a response */
};

struct espnic_sim_op {
	uint32_t op;
	uint32_t offset;
	uint32_t value;
};

struct espnic_sim_info {
	struct espnic_sim_hdr hdr;
	char name[64];
	uint32_t data_w;
	uint32_t clients;
	uint64_t cycles;
	uint64_t frames_in[2], frames_out[2]; /* per port: ESPNIC_PORT_HOST, _WIRE */
};

#define ESPNIC_SIM_MAX_MSG                                                                         \
	(sizeof(struct espnic_sim_hdr) + ESPNIC_SIM_MAX_OPS * sizeof(struct espnic_sim_op))

#endif
