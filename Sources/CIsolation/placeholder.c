#include "isolation.h"
int joblet_isolation_version(void) { return 1; }
