/* dev_proto.c: one datagram of the MMIO protocol (driver/include/espnic_simproto.h) as a
 * running simulated card serves it, apart from the socket (dev_mmio.c) so that it can be
 * tested and fuzzed alone (tests/fuzz/fuzz_sim_proto.c): a request's register reads, writes
 * and clock steps on the model, a subscription, an INFO query. */
#include "dev.h"

#include <stdio.h>
#include <string.h>

#define MAX_STEP 65536

static size_t do_request(struct device *d, const uint8_t *msg, size_t len,
			 uint8_t out[DEV_PROTO_MAX_REPLY], struct dev_proto_result *r)
{
	struct espnic_sim_hdr h;
	uint32_t vals[ESPNIC_SIM_MAX_OPS];
	uint32_t nvals = 0;

	memcpy(&h, msg, sizeof(h));
	if (h.n > ESPNIC_SIM_MAX_OPS || len != sizeof(h) + h.n * sizeof(struct espnic_sim_op))
		return 0;
	for (uint32_t i = 0; i < h.n; i++) {
		struct espnic_sim_op op;
		memcpy(&op, msg + sizeof(h) + i * sizeof(op), sizeof(op));
		switch (op.op) {
		case ESPNIC_SIM_OP_READ:
			vals[nvals++] = espnic_model_reg_read(d->m, op.offset);
			break;
		case ESPNIC_SIM_OP_WRITE:
			espnic_model_reg_write(d->m, op.offset, op.value);
			break;
		case ESPNIC_SIM_OP_STEP:
			espnic_model_step(d->m, op.value > MAX_STEP ? MAX_STEP : op.value);
			break;
		default:
			break;
		}
	}
	d->mmio_requests++;
	d->mmio_ops += h.n;
	r->model_ran = true;
	if (nvals == 0 && !(h.flags & ESPNIC_SIM_FLAG_ACK))
		return 0;
	h.type = ESPNIC_SIM_RESPONSE;
	h.n = nvals;
	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), vals, nvals * sizeof(uint32_t));
	return sizeof(h) + nvals * sizeof(uint32_t);
}

static size_t do_info(struct device *d, const struct espnic_sim_hdr *h,
		      uint8_t out[DEV_PROTO_MAX_REPLY])
{
	struct espnic_sim_info info;
	memset(&info, 0, sizeof(info));
	info.hdr = *h;
	info.hdr.type = ESPNIC_SIM_INFO;
	snprintf(info.name, sizeof(info.name), "%s", d->name);
	info.data_w = espnic_model_data_width(d->m);
	info.clients = d->n_clients;
	info.cycles = espnic_model_cycles(d->m);
	for (int p = 0; p < 2; p++) {
		info.frames_in[p] = d->port[p].rx;
		info.frames_out[p] = d->port[p].tx;
	}
	memcpy(out, &info, sizeof(info));
	return sizeof(info);
}

void dev_proto_handle(struct device *d, const uint8_t *msg, size_t len,
		      uint8_t out[DEV_PROTO_MAX_REPLY], struct dev_proto_result *r)
{
	struct espnic_sim_hdr h;

	memset(r, 0, sizeof(*r));
	if (len < sizeof(h))
		return;
	memcpy(&h, msg, sizeof(h));
	if (h.magic != ESPNIC_SIM_MAGIC)
		return;
	switch (h.type) {
	case ESPNIC_SIM_REQUEST:
		r->reply_len = do_request(d, msg, len, out, r);
		break;
	case ESPNIC_SIM_SUBSCRIBE:
		r->subscribe = true;
		/* An event already waiting is news to this client. */
		if (espnic_model_event_pending(d->m)) {
			h.type = ESPNIC_SIM_EVENT;
			h.n = 0;
			memcpy(out, &h, sizeof(h));
			r->reply_len = sizeof(h);
		}
		break;
	case ESPNIC_SIM_INFO:
		r->reply_len = do_info(d, &h, out);
		break;
	default:
		break;
	}
}
