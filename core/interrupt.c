#include "interrupt.h"

#include <signal.h>

static volatile sig_atomic_t requested;

void interrupt_request(void) { requested = 1; }
int interrupt_pending(void) { return requested != 0; }
void interrupt_clear(void) { requested = 0; }
