// Loads libarchive with dlopen + dlsym (see CArchive.h for why it is not linked).
#include "CArchive.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

const struct joblet_libarchive *joblet_libarchive_load(const char *name, char *error, size_t error_size) {
    // RTLD_LOCAL: its symbols stay out of the global scope, so nothing else binds to them by accident.
    void *library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        snprintf(error, error_size, "%s", dlerror());
        return NULL;
    }
    struct joblet_libarchive *functions = malloc(sizeof *functions);
    if (functions == NULL) {
        snprintf(error, error_size, "out of memory");
        dlclose(library);
        return NULL;
    }
#define JOBLET_LIBARCHIVE_LOOKUP(symbol)                                    \
    {                                                                       \
        void *address = dlsym(library, #symbol);                            \
        if (address == NULL) {                                              \
            snprintf(error, error_size, "%s has no %s", name, #symbol);     \
            free(functions);                                                \
            dlclose(library);                                               \
            return NULL;                                                    \
        }                                                                   \
        functions->symbol = (__typeof__(symbol) *)address;                  \
    }
    JOBLET_LIBARCHIVE_FUNCTIONS(JOBLET_LIBARCHIVE_LOOKUP)
#undef JOBLET_LIBARCHIVE_LOOKUP
    return functions;
}

static pthread_once_t shared_once = PTHREAD_ONCE_INIT;
static const struct joblet_libarchive *shared_functions;
static char shared_error[512];

static void load_shared(void) {
    shared_functions = joblet_libarchive_load(JOBLET_LIBARCHIVE_SONAME, shared_error, sizeof shared_error);
}

const struct joblet_libarchive *joblet_libarchive_shared(const char **error) {
    pthread_once(&shared_once, load_shared);
    if (shared_functions == NULL) *error = shared_error;
    return shared_functions;
}
