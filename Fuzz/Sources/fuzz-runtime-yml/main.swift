import FuzzSupport
import JobletCore

// runtime.yml arrives inside runtime packages, which are installed from files someone else built.
// The same text also goes through the generic YAML decoder (the tree decoder the config files use),
// into a job request: every container kind, type mismatches and the coding-path errors.
FuzzDriver.run { data, count in
    let text = String(decoding: FuzzDriver.bytes(data, count), as: UTF8.self)
    if let request = try? YAML.decode(JobRequest.self, from: text, file: "job.yml") {
        _ = "\(request.value)"
    }
    let decoded: YAMLDecoded<RuntimeConfig>
    do {
        decoded = try RuntimeConfig.parse(text, file: "runtime.yml")
    } catch {
        FuzzDriver.explain("refused: \(error)")
        return 0
    }
    _ = decoded.warnings.map { "\($0)" }
    _ = "\(decoded.value)"
    return 0
}
