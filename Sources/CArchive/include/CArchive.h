#ifndef JOBLET_CARCHIVE_H
#define JOBLET_CARCHIVE_H
// libarchive, loaded on first use (dlopen) rather than linked: it brings libxml2, ICU, nettle and
// five compressors into every process, costing each rnx start about 1 ms and the idle worker 1.5 MB,
// while only packing, installing and uploads ever open an archive. archive.h is included for the
// types and constants; calling its functions directly would not link (nothing links -larchive).
#include <archive.h>
#include <archive_entry.h>
#include <stddef.h>

/// The library loaded by joblet_libarchive_shared (Debian's libarchive13).
#define JOBLET_LIBARCHIVE_SONAME "libarchive.so.13"

/// The AE_IF* file types are macros with casts, which Swift does not import.
static const unsigned int JOBLET_AE_IFREG = AE_IFREG;
static const unsigned int JOBLET_AE_IFLNK = AE_IFLNK;
static const unsigned int JOBLET_AE_IFDIR = AE_IFDIR;

/// Every libarchive function Joblet calls. Add one here to use it: the table and the lookups follow.
#define JOBLET_LIBARCHIVE_FUNCTIONS(X) \
    X(archive_entry_filetype) \
    X(archive_entry_free) \
    X(archive_entry_hardlink) \
    X(archive_entry_new) \
    X(archive_entry_pathname) \
    X(archive_entry_pathname_utf8) \
    X(archive_entry_perm) \
    X(archive_entry_set_filetype) \
    X(archive_entry_set_gid) \
    X(archive_entry_set_hardlink) \
    X(archive_entry_set_mtime) \
    X(archive_entry_set_pathname) \
    X(archive_entry_set_perm) \
    X(archive_entry_set_size) \
    X(archive_entry_set_symlink) \
    X(archive_entry_set_uid) \
    X(archive_entry_size) \
    X(archive_entry_size_is_set) \
    X(archive_entry_symlink) \
    X(archive_errno) \
    X(archive_error_string) \
    X(archive_read_data) \
    X(archive_read_data_block) \
    X(archive_read_free) \
    X(archive_read_new) \
    X(archive_read_next_header) \
    X(archive_read_open_filename) \
    X(archive_read_open_memory) \
    X(archive_read_support_filter_all) \
    X(archive_read_support_format_gnutar) \
    X(archive_read_support_format_tar) \
    X(archive_read_support_format_zip) \
    X(archive_write_add_filter_gzip) \
    X(archive_write_close) \
    X(archive_write_data) \
    X(archive_write_data_block) \
    X(archive_write_disk_new) \
    X(archive_write_disk_set_options) \
    X(archive_write_finish_entry) \
    X(archive_write_free) \
    X(archive_write_header) \
    X(archive_write_new) \
    X(archive_write_open) \
    X(archive_write_set_filter_option) \
    X(archive_write_set_format_pax_restricted)

/// Pointers to the loaded functions, each field named and typed as libarchive declares it. Not the
/// functions' own names as symbols: those would interpose on libarchive's calls to itself.
struct joblet_libarchive {
#define JOBLET_LIBARCHIVE_FIELD(name) __typeof__(name) *_Nonnull name;
    JOBLET_LIBARCHIVE_FUNCTIONS(JOBLET_LIBARCHIVE_FIELD)
#undef JOBLET_LIBARCHIVE_FIELD
};

/// dlopen(name) and every lookup, uncached. NULL with the reason (dlerror's text) in `error` when the
/// library or a function is missing. The library stays loaded for the life of the process.
const struct joblet_libarchive *_Nullable joblet_libarchive_load(const char *_Nonnull name, char *_Nonnull error,
                                                                 size_t error_size);

/// JOBLET_LIBARCHIVE_SONAME, loaded by the first caller only (any thread). NULL with *error set to the
/// reason when it cannot be loaded; later calls give the same answer.
const struct joblet_libarchive *_Nullable joblet_libarchive_shared(const char *_Nullable *_Nonnull error);

#endif
