import Foundation

/// A file's size in bytes, or nil when it does not exist (tests that check what reached a disk).
public enum FileSize {
    public static func of(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
    }
}
