/* NAT detection in IKE_SA_INIT (task_nat_detection.c), composed into task_ike_init.c. */
#ifndef ESPNICD_TASK_NAT_DETECTION_H
#define ESPNICD_TASK_NAT_DETECTION_H

#include "ike_sa.h"
#include "message_out.h"

void nat_detection_build(struct ike_sa *sa, struct message_out *m, const uint8_t *spi_r);
void nat_detection_process(struct ike_sa *sa, const struct ike_message *msg);

#endif
