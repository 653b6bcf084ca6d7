#ifndef JOBLET_CISOLATION_H
#define JOBLET_CISOLATION_H
// Filled in by the sandbox work: clone -> setup -> exec, async-signal-safe only.
int joblet_isolation_version(void);
#endif
