// card_w512.cpp: the 512-bit card (its own translation unit, so each width's
// Verilated model builds only when it is asked for).
#include "card_impl.hpp"

#include "Vespnic_core_w512.h"

namespace espnic
{

card *make_card_w512(const char *trace_path)
{
	return new card_impl<Vespnic_core_w512, 512>(trace_path);
}

} // namespace espnic
