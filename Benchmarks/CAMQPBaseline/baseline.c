#include "baseline.h"

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(joblet_baseline_result *out, const char *what, amqp_rpc_reply_t r) {
    out->error = 1;
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) {
        snprintf(out->message, sizeof out->message, "%s: %s", what, amqp_error_string2(r.library_error));
    } else {
        snprintf(out->message, sizeof out->message, "%s: broker error (method 0x%08x)", what, r.reply.id);
    }
    return -1;
}

static int check(amqp_connection_state_t conn, joblet_baseline_result *out, const char *what) {
    amqp_rpc_reply_t r = amqp_get_rpc_reply(conn);
    if (r.reply_type != AMQP_RESPONSE_NORMAL) return fail(out, what, r);
    return 0;
}

int joblet_baseline_run(const char *url, const char *queue, int quorum, int count, int size,
                        int window, int prefetch, joblet_baseline_result *out) {
    memset(out, 0, sizeof *out);
    char *url_copy = strdup(url);
    struct amqp_connection_info info;
    amqp_default_connection_info(&info);
    if (amqp_parse_url(url_copy, &info) != AMQP_STATUS_OK) {
        free(url_copy);
        out->error = 1;
        snprintf(out->message, sizeof out->message, "invalid URL");
        return -1;
    }
    const char *vhost = (info.vhost && info.vhost[0]) ? info.vhost : "/";
    amqp_connection_state_t conn = amqp_new_connection();
    amqp_socket_t *sock = amqp_tcp_socket_new(conn);
    int rc = -1;
    if (amqp_socket_open(sock, info.host, info.port) != AMQP_STATUS_OK) {
        out->error = 1;
        snprintf(out->message, sizeof out->message, "cannot connect to %s:%d", info.host, info.port);
        goto done;
    }
    amqp_rpc_reply_t login = amqp_login(conn, vhost, 0, 131072, 30, AMQP_SASL_METHOD_PLAIN, info.user, info.password);
    if (login.reply_type != AMQP_RESPONSE_NORMAL) { fail(out, "login", login); goto done; }
    amqp_channel_open(conn, 1);
    if (check(conn, out, "channel.open")) goto done;

    amqp_table_entry_t qtype;
    qtype.key = amqp_cstring_bytes("x-queue-type");
    qtype.value.kind = AMQP_FIELD_KIND_UTF8;
    qtype.value.value.bytes = amqp_cstring_bytes("quorum");
    amqp_table_t args = {quorum ? 1 : 0, quorum ? &qtype : NULL};
    amqp_queue_declare(conn, 1, amqp_cstring_bytes(queue), 0, 1, 0, 0, args);
    if (check(conn, out, "queue.declare")) goto done;
    amqp_confirm_select(conn, 1);
    if (check(conn, out, "confirm.select")) goto done;

    char *body = malloc((size_t)size);
    memset(body, 'x', (size_t)size);
    amqp_bytes_t body_bytes = {(size_t)size, body};
    amqp_basic_properties_t props;
    props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG;
    props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
    char id[32];

    /* Publish with a window of unconfirmed messages. */
    double c0 = cpu_seconds();
    double t0 = now_seconds();
    uint64_t published = 0, confirmed = 0;
    while (confirmed < (uint64_t)count) {
        while (published < (uint64_t)count && published - confirmed < (uint64_t)window) {
            snprintf(id, sizeof id, "%llu", (unsigned long long)published);
            props.message_id = amqp_cstring_bytes(id);
            if (amqp_basic_publish(conn, 1, amqp_empty_bytes, amqp_cstring_bytes(queue), 0, 0, &props, body_bytes) != AMQP_STATUS_OK) {
                out->error = 1; snprintf(out->message, sizeof out->message, "publish failed");
                free(body); goto done;
            }
            published++;
        }
        amqp_frame_t frame;
        if (amqp_simple_wait_frame(conn, &frame) != AMQP_STATUS_OK) {
            out->error = 1; snprintf(out->message, sizeof out->message, "waiting for confirms failed");
            free(body); goto done;
        }
        if (frame.frame_type == AMQP_FRAME_METHOD && frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
            amqp_basic_ack_t *ack = frame.payload.method.decoded;
            confirmed = ack->multiple ? ack->delivery_tag : confirmed + 1;
        }
        amqp_maybe_release_buffers(conn);
    }
    double t1 = now_seconds();
    out->publish_cpu_seconds = cpu_seconds() - c0;
    free(body);
    out->publish_per_second = count / (t1 - t0);

    /* Consume with prefetch, acking each delivery. */
    amqp_basic_qos(conn, 1, 0, (uint16_t)prefetch, 0);
    if (check(conn, out, "basic.qos")) goto done;
    amqp_basic_consume(conn, 1, amqp_cstring_bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    if (check(conn, out, "basic.consume")) goto done;
    c0 = cpu_seconds();
    t0 = now_seconds();
    for (int received = 0; received < count;) {
        amqp_envelope_t env;
        amqp_maybe_release_buffers(conn);
        amqp_rpc_reply_t r = amqp_consume_message(conn, &env, NULL, 0);
        if (r.reply_type != AMQP_RESPONSE_NORMAL) { fail(out, "consume", r); goto done; }
        amqp_basic_ack(conn, 1, env.delivery_tag, 0);
        amqp_destroy_envelope(&env);
        received++;
    }
    t1 = now_seconds();
    out->consume_cpu_seconds = cpu_seconds() - c0;
    out->consume_per_second = count / (t1 - t0);
    amqp_queue_delete(conn, 1, amqp_cstring_bytes(queue), 0, 0);
    rc = 0;
done:
    amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn);
    free(url_copy);
    return rc;
}
