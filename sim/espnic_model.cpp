// espnic_model.cpp: the C API of espnic_model.h over the Verilated card (the
// project's only C++, with card_impl.hpp and the per-width card_w*.cpp). It
// moves beats between byte queues and the model's stream ports, drives
// register accesses and counts cycles; every packet decision is the RTL's.
#include "espnic_model.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "card_impl.hpp"

using espnic::card;
using espnic::frame;
using espnic::in_port;
using espnic::out_port;

struct espnic_model {
	std::unique_ptr<card> c;
};

extern "C" {

int espnic_model_parse_width(const char *text, unsigned *data_w)
{
	char *end;
	unsigned long w = strtoul(text, &end, 10);
	if (end == text || *end || !espnic_model_has_width((unsigned)w))
		return -1;
	*data_w = (unsigned)w;
	return 0;
}

bool espnic_model_has_width(unsigned data_w)
{
#ifdef ESPNIC_HAVE_W128
	if (data_w == 128)
		return true;
#endif
#ifdef ESPNIC_HAVE_W512
	if (data_w == 512)
		return true;
#endif
	return false;
}

espnic_model *espnic_model_new(unsigned data_w, const char *trace_path)
{
	std::unique_ptr<card> c;
	try {
#ifdef ESPNIC_HAVE_W128
		if (data_w == 128)
			c.reset(espnic::make_card_w128(trace_path));
#endif
#ifdef ESPNIC_HAVE_W512
		if (data_w == 512)
			c.reset(espnic::make_card_w512(trace_path));
#endif
		if (!c) {
			errno = EINVAL;
			return nullptr;
		}
		c->in[ESPNIC_PORT_WIRE].rate = espnic_model_default_wire_rate(data_w);
		return new espnic_model{std::move(c)};
	} catch (...) {
		errno = ENOMEM;
		return nullptr;
	}
}

void espnic_model_free(espnic_model *m)
{
	delete m;
}

unsigned espnic_model_data_width(const espnic_model *m)
{
	return m->c->width();
}

void espnic_model_reset(espnic_model *m)
{
	for (auto &p : m->c->in)
		p = in_port{{}, 0, p.offer, 0, p.rate, 0};
	for (auto &p : m->c->out)
		p = out_port{{}, {}, false, p.ready, 0};
	m->c->reset();
}

void espnic_model_step(espnic_model *m, uint64_t n)
{
	m->c->step(n);
}

uint64_t espnic_model_cycles(const espnic_model *m)
{
	return m->c->cycles;
}

uint32_t espnic_model_reg_read(espnic_model *m, uint32_t offset)
{
	return m->c->reg_read(offset);
}

void espnic_model_reg_write(espnic_model *m, uint32_t offset, uint32_t value)
{
	m->c->reg_write(offset, value);
}

int espnic_model_send(espnic_model *m, enum espnic_port port, const uint8_t *frame, size_t len)
{
	if (len == 0 || len > ESPNIC_MODEL_MAX_FRAME ||
	    (port != ESPNIC_PORT_HOST && port != ESPNIC_PORT_WIRE))
		return -EINVAL;
	m->c->in[port].q.emplace_back(frame, frame + len);
	return 0;
}

size_t espnic_model_pending(const espnic_model *m, enum espnic_port port)
{
	return m->c->in[port].q.size();
}

int espnic_model_recv(espnic_model *m, enum espnic_port port, uint8_t *buf, size_t cap,
		      uint64_t *first, uint64_t *last)
{
	auto &q = m->c->out[port].q;
	if (q.empty())
		return 0;
	const frame &f = q.front();
	if (f.bytes.size() > cap)
		return -ENOSPC;
	std::memcpy(buf, f.bytes.data(), f.bytes.size());
	if (first)
		*first = f.first;
	if (last)
		*last = f.last;
	int n = (int)f.bytes.size();
	q.pop_front();
	return n;
}

void espnic_model_set_ready(espnic_model *m, enum espnic_port port, unsigned permille)
{
	m->c->out[port].ready = permille;
}

void espnic_model_set_offer(espnic_model *m, enum espnic_port port, unsigned permille)
{
	m->c->in[port].offer = permille;
}

double espnic_model_default_wire_rate(unsigned data_w)
{
	// 250 MHz: 100G is 12.5e9 / 250e6 = 50 bytes per cycle. A 128-bit path
	// moves at most 16 bytes per cycle (32 Gb/s), so its port is 25G.
	switch (data_w) {
	case 512:
		return 50.0;
	case 256:
		return 25.0;
	case 128:
		return 12.5;
	default:
		return (double)data_w / 8 * 0.75;
	}
}

int espnic_model_set_wire_rate(espnic_model *m, double bytes_per_cycle)
{
	if (!(bytes_per_cycle >= 0) || bytes_per_cycle > 1e6)
		return -EINVAL;
	m->c->in[ESPNIC_PORT_WIRE].rate = bytes_per_cycle;
	m->c->in[ESPNIC_PORT_WIRE].next = 0;
	return 0;
}

int espnic_model_parse_wire_rate(const char *text, double *rate)
{
	char *end;
	double r = strtod(text, &end);
	if (end == text || *end || !(r >= 0 && r <= 1000))
		return -1;
	*rate = r;
	return 0;
}

double espnic_model_wire_rate(const espnic_model *m)
{
	return m->c->in[ESPNIC_PORT_WIRE].rate;
}

void espnic_model_seed(espnic_model *m, uint64_t seed)
{
	m->c->rng = seed ? seed : 1;
}

uint64_t espnic_model_quiet_cycles(const espnic_model *m)
{
	return m->c->quiet;
}

uint64_t espnic_model_drain(espnic_model *m, uint64_t quiet, uint64_t limit)
{
	uint64_t start = m->c->cycles;
	while (m->c->cycles - start < limit) {
		m->c->step(16);
		bool inputs_done = m->c->in[0].q.empty() && m->c->in[1].q.empty();
		if (inputs_done && m->c->quiet >= quiet)
			break;
	}
	return m->c->cycles - start;
}

bool espnic_model_event_pending(const espnic_model *m)
{
	return m->c->event_pending();
}

bool espnic_model_busy(const espnic_model *m)
{
	const card &c = *m->c;
	return !c.in[0].q.empty() || !c.in[1].q.empty() || c.out[0].in_frame || c.out[1].in_frame;
}

uint64_t espnic_model_beats_in(const espnic_model *m, enum espnic_port port)
{
	return m->c->in[port].beats;
}

uint64_t espnic_model_beats_out(const espnic_model *m, enum espnic_port port)
{
	return m->c->out[port].beats;
}

} // extern "C"
