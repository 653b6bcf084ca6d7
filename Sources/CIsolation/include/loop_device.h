#ifndef JOBLET_CISOLATION_LOOP_DEVICE_H
#define JOBLET_CISOLATION_LOOP_DEVICE_H
// Thin wrappers over the loop-device ioctls, whose argument structs Swift cannot build from
// <linux/loop.h> portably. The retry logic around them lives in Swift (Isolation/Disk).

/// ioctl(control_fd, LOOP_CTL_GET_FREE): the index of a free loop device (created if needed), or -1.
int joblet_loop_get_free(int control_fd);

/// Binds backing_fd to the loop device open at loop_fd, with LO_FLAGS_AUTOCLEAR (detached by the
/// kernel once the last mount and fd are gone). LOOP_CONFIGURE where the kernel has it (5.8+),
/// else LOOP_SET_FD + LOOP_SET_STATUS64. Returns 0, or -1 with errno (EBUSY: somebody took it).
int joblet_loop_attach(int loop_fd, int backing_fd);

/// ioctl(loop_fd, LOOP_CLR_FD): detaches now (used when the mount that should own it failed).
int joblet_loop_detach(int loop_fd);

#endif
