import FuzzSupport
import JobletCore

// runtime.yml arrives inside runtime packages, which are installed from files someone else built.
FuzzDriver.run { data, count in
    let text = String(decoding: FuzzDriver.bytes(data, count), as: UTF8.self)
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
