/* backend.h: what a libespnic backend provides (internal). A backend makes
 * the espnic_io of espnic_card.h for one card, an event descriptor, and
 * reports transport failures, which the io callbacks cannot return. */
#ifndef ESPNIC_BACKEND_H
#define ESPNIC_BACKEND_H

#include <stddef.h>

#include "espnic.h"

struct espnic_backend {
	const char *kind; /* "sim" or "pci" */
	/* Negative errno if the transport failed since the last call (and a
	 * message in err), else 0. Clears the failure. */
	int (*check)(void *ctx, char *err, size_t errlen);
	/* Push posted writes to the card now. */
	void (*flush)(void *ctx);
	int (*event_fd)(void *ctx);
	/* Consume the descriptor's readiness before reading events. */
	void (*event_ack)(void *ctx);
	void (*close)(void *ctx);
};

struct espnic_dev {
	const struct espnic_backend *be;
	struct espnic_io io;
	char name[64];
	char err[256];
	bool bypass_default; /* the caller chose default bypass (espnic_set_default_discard) */
};

/* Each returns 0 and fills dev (io, be, name), or a negative errno with a
 * message in err. */
int espnic_sim_open(struct espnic_dev *dev, const char *where, char *err, size_t errlen);
int espnic_pci_open(struct espnic_dev *dev, const char *addr, char *err, size_t errlen);

/* PCI devices with the espnic ids (backend_pci.c), appended to the list. */
int espnic_pci_list(struct espnic_dev_entry **list, size_t *n, size_t *cap);

#endif
