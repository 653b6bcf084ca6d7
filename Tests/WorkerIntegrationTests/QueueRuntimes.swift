import Foundation
import TestSupport

/// Runtimes whose job queues no other test consumes: each is static with nothing but an empty
/// `bin` mounted at `/opt/<language>/bin`, and has a queue of its own.
enum QueueRuntimes {
    /// A fresh runtimes base dir with `count` of them, named like `<language>ab12cd-1.0`, at
    /// `<base>/<language>/<id>`.
    static func make(_ count: Int, language: String, description: String) throws -> (base: String, ids: [String]) {
        let base = ScratchPath.make("\(language)-runtimes")  // callers remove it; at exit too if a runtime fails here
        var ids: [String] = []
        for _ in 0..<count {
            let id = "\(language)\(UUID().uuidString.prefix(6).lowercased())-1.0"
            try RuntimeScratch.scriptRuntime(
                at: "\(base)/\(language)/\(id)", name: id, language: language, description: description, target: "/opt/\(language)/bin")
            ids.append(id)
        }
        return (base, ids)
    }
}
