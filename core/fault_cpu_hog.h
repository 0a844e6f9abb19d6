#ifndef OMNILUA_FAULT_CPU_HOG_H
#define OMNILUA_FAULT_CPU_HOG_H
/* A CPU hog: n threads that spin until stopped or until their time is up
 * (resource preemption for a server under test). */
#include <stddef.h>

typedef struct fault_cpu_hog fault_cpu_hog;
/* seconds <= 0: until stopped. 0, or -1 with why. */
int fault_cpu_hog_start(int threads, double seconds, fault_cpu_hog **out, char *why, size_t len);
/* Number of threads still spinning. */
int fault_cpu_hog_running(fault_cpu_hog *h);
/* Stops and joins every thread; harmless twice. */
void fault_cpu_hog_stop(fault_cpu_hog *h);
/* Stops if needed and frees. */
void fault_cpu_hog_free(fault_cpu_hog *h);

#endif
