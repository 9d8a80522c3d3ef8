/* espnic_model.h: the Verilator model of the card as a C library.
 *
 * A model is one card: reset, clock it, access its registers, queue frames
 * into its two input ports and collect frames from its two output ports. The
 * model makes every packet decision; this layer only moves bytes, clocks and
 * register accesses. Not thread-safe: one thread per model.
 */
#ifndef ESPNIC_MODEL_H
#define ESPNIC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Ports, named from the card's side: frames sent to HOST enter the egress
 * pipeline (as if the host transmitted them) and frames received from HOST
 * are what ingress delivers to the host; likewise for WIRE. */
enum espnic_port { ESPNIC_PORT_HOST = 0, ESPNIC_PORT_WIRE = 1 };

#define ESPNIC_MODEL_MAX_FRAME 2048

typedef struct espnic_model espnic_model;

/* Data path widths this library was built with (128 and 512). */
bool espnic_model_has_width(unsigned data_w);
/* A --width argument: 0 and *data_w set when text is a width this library
 * was built with, -1 otherwise. */
int espnic_model_parse_width(const char *text, unsigned *data_w);

/* A new card of the given data path width, reset. trace_path, if not NULL,
 * names an FST waveform file. NULL with errno set on failure. */
espnic_model *espnic_model_new(unsigned data_w, const char *trace_path);
void espnic_model_free(espnic_model *m);

unsigned espnic_model_data_width(const espnic_model *m);
void espnic_model_reset(espnic_model *m);
/* Advance the clock by n cycles. */
void espnic_model_step(espnic_model *m, uint64_t n);
uint64_t espnic_model_cycles(const espnic_model *m);

uint32_t espnic_model_reg_read(espnic_model *m, uint32_t offset);
void espnic_model_reg_write(espnic_model *m, uint32_t offset, uint32_t value);

/* Queue a frame (copied) for input on port. -EINVAL for an empty frame or
 * one longer than ESPNIC_MODEL_MAX_FRAME. */
int espnic_model_send(espnic_model *m, enum espnic_port port, const uint8_t *frame, size_t len);
/* Frames queued on port not yet fully accepted by the card. */
size_t espnic_model_pending(const espnic_model *m, enum espnic_port port);

/* Pop the oldest frame the card produced on port: returns its length (0 if
 * none; -ENOSPC if cap is too small, the frame stays). first and last, if not
 * NULL, receive the cycles of its first and last beat. */
int espnic_model_recv(espnic_model *m, enum espnic_port port, uint8_t *buf, size_t cap,
		      uint64_t *first, uint64_t *last);

/* Output back-pressure: the card's output on port is accepted in a cycle with
 * probability permille/1000 (1000 = always, the default). Input gaps: a beat
 * is offered with probability permille/1000. Deterministic for a seed. */
void espnic_model_set_ready(espnic_model *m, enum espnic_port port, unsigned permille);
void espnic_model_set_offer(espnic_model *m, enum espnic_port port, unsigned permille);
void espnic_model_seed(espnic_model *m, uint64_t seed);

/* The wire input port feeds frames as a MAC does. It is never held off by the
 * card (a frame that does not fit in the card's input buffer is dropped there
 * whole and counted in IN_BUFFER_DROP), and it runs at most at the port's
 * line rate: a frame starts no earlier than its predecessor's wire time
 * (length + 4 FCS + 20 preamble and inter-frame gap, at bytes_per_cycle) has
 * passed; its beats then follow one per cycle. A new model's rate is
 * espnic_model_default_wire_rate of its width. 0: no line rate, frames back
 * to back at one beat per cycle (a burst above line rate at 512 bits; for
 * tests). -EINVAL for a negative or absurd rate. */
int espnic_model_set_wire_rate(espnic_model *m, double bytes_per_cycle);
double espnic_model_wire_rate(const espnic_model *m);
/* The line rate of the port a data path width stands for, in bytes per cycle
 * at a 250 MHz clock (the Alveo shell's user clock): 512 bits 100G (50), 256
 * bits 50G (25), 128 bits 25G (12.5: a 128-bit path moves 16 bytes a cycle,
 * 32 Gb/s, less than 40G). */
double espnic_model_default_wire_rate(unsigned data_w);
/* A --wire-rate argument (bytes per cycle, 0 for none): 0 and *rate set, -1
 * for text that is not a number from 0 to 1000. */
int espnic_model_parse_wire_rate(const char *text, double *rate);

/* Cycles since a beat last moved on any port. */
uint64_t espnic_model_quiet_cycles(const espnic_model *m);
/* Clock until every queued input is in and nothing has moved for `quiet`
 * cycles, or `limit` cycles have passed. Returns the cycles stepped. */
uint64_t espnic_model_drain(espnic_model *m, uint64_t quiet, uint64_t limit);

/* The card's event line: the event ring is not empty (EV_PROD != EV_CONS). */
bool espnic_model_event_pending(const espnic_model *m);
/* Work in flight: frames queued on an input or partly out of an output. */
bool espnic_model_busy(const espnic_model *m);

/* Beats accepted on each port since reset: inputs (index = port) and outputs. */
uint64_t espnic_model_beats_in(const espnic_model *m, enum espnic_port port);
uint64_t espnic_model_beats_out(const espnic_model *m, enum espnic_port port);

#ifdef __cplusplus
}
#endif

#endif
