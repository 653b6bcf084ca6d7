#ifndef JOBLET_CAMQP_BASELINE_H
#define JOBLET_CAMQP_BASELINE_H

/// Result of one baseline run: messages per second for each phase, or an error.
typedef struct {
    double publish_per_second;
    double consume_per_second;
    double publish_cpu_seconds;  /* process CPU time (user+sys) of each phase */
    double consume_cpu_seconds;
    int error;          /* 0 = ok */
    char message[256];  /* error text */
} joblet_baseline_result;

/// Publishes `count` persistent messages of `size` bytes to `queue` with confirms, keeping at
/// most `window` unconfirmed, then consumes them with prefetch `prefetch`, acking each one.
/// Plain librabbitmq, one thread: the reference the Swift library is measured against.
int joblet_baseline_run(const char *url, const char *queue, int quorum, int count, int size,
                        int window, int prefetch, joblet_baseline_result *out);

#endif
