extension WorkerMetricsRegistry {
    /// The metrics in the Prometheus text exposition format (version 0.0.4).
    func prometheusText() -> String {
        let values = snapshot
        let label = "worker=\"\(Self.escape(workerID))\""
        var text = ""
        func metric(_ name: String, _ type: String, _ help: String, _ value: String) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name){\(label)} \(value)\n"
        }
        metric("joblet_worker_jobs_started_total", "counter", "Jobs whose command was started in a sandbox.", "\(values.started)")
        metric("joblet_worker_jobs_finished_total", "counter", "Jobs that ended with a result (any state).", "\(values.finished)")
        metric("joblet_worker_jobs_failed_total", "counter", "Jobs that ended in any state but completed.", "\(values.failed)")
        metric("joblet_worker_jobs_rejected_total", "counter", "Jobs rejected before running (limits, missing runtime).", "\(values.rejected)")
        metric("joblet_worker_jobs_running", "gauge", "Jobs running now.", "\(values.running)")
        metric("joblet_worker_slots", "gauge", "Job slots of this worker.", "\(slotsTotal)")
        metric("joblet_worker_slots_busy", "gauge", "Slots taken by a running or starting job.", "\(values.busySlots)")
        let name = "joblet_worker_spawn_latency_seconds"
        text += "# HELP \(name) Time from a delivery reaching the worker to its command starting.\n# TYPE \(name) histogram\n"
        for (index, bound) in Self.latencyBuckets.enumerated() {
            text += "\(name)_bucket{\(label),le=\"\(bound)\"} \(values.latencyBucketCounts[index])\n"
        }
        text += "\(name)_bucket{\(label),le=\"+Inf\"} \(values.started)\n"
        text += "\(name)_sum{\(label)} \(values.latencySum)\n"
        text += "\(name)_count{\(label)} \(values.started)\n"
        return text
    }

    /// Label values escape backslash, quote and newline.
    static func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}
