/* model_io.h: register access to an in-process model, for espnic_card. */
#ifndef ESPNIC_MODEL_IO_H
#define ESPNIC_MODEL_IO_H

#include "espnic_card.h"
#include "espnic_model.h"

/* An espnic_io whose registers are the model's; waiting clocks the model. */
struct espnic_io model_io(espnic_model *m);

#endif
