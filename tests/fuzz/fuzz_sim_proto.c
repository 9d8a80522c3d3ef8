/* fuzz_sim_proto.c: libFuzzer target for the simulated card's side of the MMIO protocol
 * (sim/dev_proto.c: the datagrams libespnic's simulator backend sends to `espnic-sim run`),
 * without the socket and without the Verilated model: a stand-in model (below) records the
 * register reads, writes and clock steps it is asked for and answers reads with values of its
 * own. For each datagram the target checks what the protocol promises: a well-formed REQUEST
 * runs exactly its ops in order (steps clamped at 65536 cycles, unknown ops skipped) and is
 * answered with its read values in order when it reads or asks for an ACK; anything else
 * touches nothing; SUBSCRIBE and INFO answer as espnic_simproto.h says.
 *
 * Input: records (fuzz_records.h): op & 1 raises the card's event line, arg is unused, the
 * body is one datagram. */
#include <stdlib.h>
#include <string.h>

#include "dev.h"
#include "espnic_simproto.h"
#include "fuzz_records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct model_op {
	uint32_t op, offset, value;
};

/* The stand-in: what it was asked, in order. */
struct espnic_model {
	struct model_op seen[ESPNIC_SIM_MAX_OPS];
	unsigned count;
	uint64_t cycles;
	bool event;
};

static void record(espnic_model *m, uint32_t op, uint32_t offset, uint32_t value)
{
	if (m->count == ESPNIC_SIM_MAX_OPS)
		__builtin_trap(); /* more ops than a request can carry */
	m->seen[m->count++] = (struct model_op){op, offset, value};
}

static uint32_t read_value(uint32_t offset, unsigned index)
{
	return offset * 2654435761u ^ index;
}

uint32_t espnic_model_reg_read(espnic_model *m, uint32_t offset)
{
	record(m, ESPNIC_SIM_OP_READ, offset, 0);
	m->cycles++;
	return read_value(offset, m->count);
}

void espnic_model_reg_write(espnic_model *m, uint32_t offset, uint32_t value)
{
	record(m, ESPNIC_SIM_OP_WRITE, offset, value);
	m->cycles++;
}

void espnic_model_step(espnic_model *m, uint64_t n)
{
	record(m, ESPNIC_SIM_OP_STEP, 0, (uint32_t)n);
	m->cycles += n;
}

bool espnic_model_event_pending(const espnic_model *m)
{
	return m->event;
}

unsigned espnic_model_data_width(const espnic_model *m)
{
	(void)m;
	return 128;
}

uint64_t espnic_model_cycles(const espnic_model *m)
{
	return m->cycles;
}

/* The oracle: what a REQUEST datagram should do, from the protocol's text. */
static bool well_formed_request(const uint8_t *msg, size_t len, struct espnic_sim_hdr *h)
{
	if (len < sizeof(*h))
		return false;
	memcpy(h, msg, sizeof(*h));
	return h->magic == ESPNIC_SIM_MAGIC && h->type == ESPNIC_SIM_REQUEST &&
	       h->n <= ESPNIC_SIM_MAX_OPS &&
	       len == sizeof(*h) + (size_t)h->n * sizeof(struct espnic_sim_op);
}

static void check_request(const espnic_model *m, const uint8_t *msg, const struct espnic_sim_hdr *h,
			  const uint8_t *out, const struct dev_proto_result *r)
{
	struct espnic_sim_hdr rh;
	unsigned seen = 0, reads = 0;

	for (uint32_t i = 0; i < h->n; i++) {
		struct espnic_sim_op op;

		memcpy(&op, msg + sizeof(*h) + i * sizeof(op), sizeof(op));
		if (op.op < ESPNIC_SIM_OP_READ || op.op > ESPNIC_SIM_OP_STEP)
			continue;
		if (seen == m->count || m->seen[seen].op != op.op)
			__builtin_trap();
		if (op.op != ESPNIC_SIM_OP_STEP && m->seen[seen].offset != op.offset)
			__builtin_trap();
		if (op.op == ESPNIC_SIM_OP_WRITE && m->seen[seen].value != op.value)
			__builtin_trap();
		if (op.op == ESPNIC_SIM_OP_STEP &&
		    m->seen[seen].value != (op.value > 65536 ? 65536 : op.value))
			__builtin_trap();
		if (op.op == ESPNIC_SIM_OP_READ) {
			uint32_t v;

			if (r->reply_len < sizeof(rh) + (reads + 1) * sizeof(v))
				__builtin_trap();
			memcpy(&v, out + sizeof(rh) + reads * sizeof(v), sizeof(v));
			if (v != read_value(op.offset, seen + 1))
				__builtin_trap();
			reads++;
		}
		seen++;
	}
	if (seen != m->count || !r->model_ran || r->subscribe)
		__builtin_trap();
	if (reads == 0 && !(h->flags & ESPNIC_SIM_FLAG_ACK)) {
		if (r->reply_len != 0)
			__builtin_trap();
		return;
	}
	memcpy(&rh, out, sizeof(rh));
	if (r->reply_len != sizeof(rh) + reads * sizeof(uint32_t) || rh.magic != ESPNIC_SIM_MAGIC ||
	    rh.type != ESPNIC_SIM_RESPONSE || rh.seq != h->seq || rh.n != reads)
		__builtin_trap();
}

static void check_other(const espnic_model *m, const uint8_t *msg, size_t len, const uint8_t *out,
			const struct dev_proto_result *r)
{
	struct espnic_sim_hdr h, rh;
	bool ours = len >= sizeof(h);

	if (m->count != 0 || r->model_ran)
		__builtin_trap(); /* only a well-formed request touches the card */
	if (ours)
		memcpy(&h, msg, sizeof(h));
	ours = ours && h.magic == ESPNIC_SIM_MAGIC;
	if (r->subscribe != (ours && h.type == ESPNIC_SIM_SUBSCRIBE))
		__builtin_trap();
	if (!ours || (h.type != ESPNIC_SIM_INFO && !(h.type == ESPNIC_SIM_SUBSCRIBE && m->event))) {
		if (r->reply_len != 0)
			__builtin_trap();
		return;
	}
	memcpy(&rh, out, sizeof(rh));
	if (h.type == ESPNIC_SIM_SUBSCRIBE) {
		if (r->reply_len != sizeof(rh) || rh.type != ESPNIC_SIM_EVENT)
			__builtin_trap();
		return;
	}
	struct espnic_sim_info info;

	memcpy(&info, out, sizeof(info));
	if (r->reply_len != sizeof(info) || info.hdr.type != ESPNIC_SIM_INFO ||
	    info.hdr.seq != h.seq || info.data_w != 128 || strcmp(info.name, "fuzz") != 0 ||
	    info.cycles != m->cycles)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[DEV_PROTO_MAX_REPLY];
	static espnic_model model;
	struct device dev = {.name = "fuzz", .m = &model};
	struct fuzz_record rec;
	size_t off = 0;

	memset(&model, 0, sizeof(model));
	while (fuzz_record_next(data, size, &off, &rec)) {
		/* A copy of exactly the datagram's length, so ASan sees any read past it. */
		uint8_t *msg = malloc(rec.len ? rec.len : 1);
		struct espnic_sim_hdr h;
		struct dev_proto_result r;

		memcpy(msg, rec.body, rec.len);
		model.count = 0;
		model.event = rec.op & 1;
		memset(out, 0xa5, sizeof(out));
		dev_proto_handle(&dev, msg, rec.len, out, &r);
		if (well_formed_request(msg, rec.len, &h))
			check_request(&model, msg, &h, out, &r);
		else
			check_other(&model, msg, rec.len, out, &r);
		free(msg);
	}
	return 0;
}
