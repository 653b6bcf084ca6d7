#ifndef JOBLET_CYAML_SHIM_H
#define JOBLET_CYAML_SHIM_H
#include <yaml.h>
#endif
