#ifndef JOBLET_CJANSSON_SHIM_H
#define JOBLET_CJANSSON_SHIM_H
#include <jansson.h>

/// json_decref is a static inline with a macro-visible refcount; expose a plain function.
static inline void joblet_json_decref(json_t *json) { json_decref(json); }
static inline json_t *joblet_json_incref(json_t *json) { return json_incref(json); }
/// json_pack is variadic: the one shape the codec needs (an object with one string member).
static inline json_t *joblet_json_pack_string_member(const char *key, const char *value) {
    return json_pack("{s:s}", key, value);
}
/// json_typeof is a macro.
static inline int joblet_json_typeof(const json_t *json) { return (int)json_typeof(json); }
#endif
