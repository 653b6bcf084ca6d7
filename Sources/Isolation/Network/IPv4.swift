/// An IPv4 address, parsed strictly from dotted quads (no shorthand, no leading zeros).
public struct IPv4Address: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }

    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber),
                part == "0" || !part.hasPrefix("0"), let byte = UInt8(part)
            else { return nil }
            value = value << 8 | UInt32(byte)
        }
        self.value = value
    }

    public var description: String {
        "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
    }

    public var isLoopback: Bool { value >> 24 == 127 }

    public static func < (a: Self, b: Self) -> Bool { a.value < b.value }
}

/// An IPv4 network in CIDR form, `10.89.0.0/16`; the address is its first one (host bits zero).
public struct IPv4Subnet: Sendable, Hashable, CustomStringConvertible {
    public var address: IPv4Address
    public var prefix: Int

    public init?(address: IPv4Address, prefix: Int) {
        guard (0...32).contains(prefix) else { return nil }
        self.init(address: address, clampedPrefix: prefix)
    }

    /// For literals in code: a prefix outside 0-32 is clamped rather than refused.
    init(address: IPv4Address, clampedPrefix prefix: Int) {
        let prefix = min(max(prefix, 0), 32)
        self.address = IPv4Address(address.value & Self.mask(prefix))
        self.prefix = prefix
    }

    /// `a.b.c.d/n`, or a bare address (a /32). Host bits set (`10.0.0.1/8`) are refused: it is
    /// almost always a typo for something else.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = IPv4Address(String(parts[0])) else { return nil }
        var prefix = 32
        if parts.count == 2 {
            guard (1...2).contains(parts[1].count), parts[1].allSatisfy(\.isNumber), let value = Int(parts[1]),
                (0...32).contains(value)
            else { return nil }
            prefix = value
        }
        guard address.value & ~Self.mask(prefix) == 0 else { return nil }
        self.address = address
        self.prefix = prefix
    }

    static func mask(_ prefix: Int) -> UInt32 { prefix == 0 ? 0 : UInt32.max << UInt32(32 - prefix) }

    public var description: String { "\(address)/\(prefix)" }

    public func contains(_ other: IPv4Address) -> Bool { other.value & Self.mask(prefix) == address.value }

    /// How many subnets of `prefix` this one holds (capped: pools are small in practice).
    public func subnetCount(prefix smaller: Int) -> Int {
        guard smaller >= prefix, smaller <= 32 else { return 0 }
        return 1 << min(smaller - prefix, 20)
    }

    /// The `index`-th subnet of `prefix` inside this one.
    public func subnet(_ index: Int, prefix smaller: Int) -> IPv4Subnet? {
        guard index >= 0, index < subnetCount(prefix: smaller) else { return nil }
        let size = UInt64(1) << UInt64(32 - smaller)
        return IPv4Subnet(address: IPv4Address(address.value &+ UInt32(UInt64(index) * size)), prefix: smaller)
    }

    /// The `index`-th address (1 = the first after the network address).
    public func host(_ index: Int) -> IPv4Address? {
        let size = UInt64(1) << UInt64(32 - prefix)
        guard index > 0, UInt64(index) < size - 1 else { return nil }
        return IPv4Address(address.value &+ UInt32(index))
    }

    /// Usable host addresses (without network and broadcast addresses).
    public var hostCount: Int { prefix >= 31 ? 0 : (1 << (32 - prefix)) - 2 }
}
