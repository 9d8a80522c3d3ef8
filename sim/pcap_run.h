/* pcap_run.h: the offline mode of espnic-sim: a capture through the card. */
#ifndef ESPNIC_PCAP_RUN_H
#define ESPNIC_PCAP_RUN_H

int pcap_run_main(int argc, char **argv);

#endif
