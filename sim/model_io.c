/* model_io.c: espnic_io over an in-process espnic_model. */
#include "model_io.h"

static uint32_t model_read32(void *ctx, uint32_t offset)
{
	return espnic_model_reg_read(ctx, offset);
}

static void model_write32(void *ctx, uint32_t offset, uint32_t value)
{
	espnic_model_reg_write(ctx, offset, value);
}

static void model_idle(void *ctx)
{
	espnic_model_step(ctx, 8);
}

struct espnic_io model_io(espnic_model *m)
{
	struct espnic_io io = {model_read32, model_write32, model_idle, m, NULL}; /* one owner */
	return io;
}
