#include "baseline.h"
int joblet_baseline_placeholder(void) { return 0; }
