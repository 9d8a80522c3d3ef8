// card_w128.cpp: the 128-bit card (its own translation unit, so each width's
// Verilated model builds only when it is asked for).
#include "card_impl.hpp"

#include "Vespnic_core_w128.h"

namespace espnic
{

card *make_card_w128(const char *trace_path)
{
	return new card_impl<Vespnic_core_w128, 128>(trace_path);
}

} // namespace espnic
