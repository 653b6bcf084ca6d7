#ifndef JOBLET_CARCHIVE_SHIM_H
#define JOBLET_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#endif
