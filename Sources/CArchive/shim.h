#ifndef JOBLET_CARCHIVE_SHIM_H
#define JOBLET_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>

/// The AE_IF* file types are macros with casts, which Swift does not import.
static const unsigned int JOBLET_AE_IFREG = AE_IFREG;
static const unsigned int JOBLET_AE_IFLNK = AE_IFLNK;
static const unsigned int JOBLET_AE_IFDIR = AE_IFDIR;
#endif
