// Loop-device ioctls for the per-job disk (see loop_device.h).
#define _GNU_SOURCE
#include "loop_device.h"

#include <errno.h>
#include <linux/loop.h>
#include <string.h>
#include <sys/ioctl.h>

#ifndef LOOP_CONFIGURE
#define LOOP_CONFIGURE 0x4C0A
#endif

int joblet_loop_get_free(int control_fd) { return ioctl(control_fd, LOOP_CTL_GET_FREE); }

int joblet_loop_attach(int loop_fd, int backing_fd) {
    struct loop_config config;
    memset(&config, 0, sizeof config);
    config.fd = (unsigned int)backing_fd;
    config.info.lo_flags = LO_FLAGS_AUTOCLEAR;
    if (ioctl(loop_fd, LOOP_CONFIGURE, &config) == 0) return 0;
    if (errno != EINVAL && errno != ENOTTY) return -1;

    // Kernels before 5.8: two steps; a failure in between must not leave the device bound.
    if (ioctl(loop_fd, LOOP_SET_FD, backing_fd) != 0) return -1;
    struct loop_info64 info;
    memset(&info, 0, sizeof info);
    info.lo_flags = LO_FLAGS_AUTOCLEAR;
    if (ioctl(loop_fd, LOOP_SET_STATUS64, &info) != 0) {
        int saved = errno;
        ioctl(loop_fd, LOOP_CLR_FD, 0);
        errno = saved;
        return -1;
    }
    return 0;
}

int joblet_loop_detach(int loop_fd) { return ioctl(loop_fd, LOOP_CLR_FD, 0); }
