import CRabbitMQ
#if canImport(Glibc)
    import Glibc
#endif

/// Owns the C memory behind tables, properties and strings handed to one librabbitmq call;
/// everything is freed in `deinit` (or `reset`), after the call returned (librabbitmq copies on send).
/// With a chunk, small allocations are carved from it and reused after `reset` (hot publish path).
final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []
    private let chunk: UnsafeMutableRawPointer?
    private let chunkSize: Int
    private var used = 0

    init(chunkSize: Int = 0) {
        self.chunkSize = chunkSize
        chunk = chunkSize > 0 ? malloc(chunkSize) : nil
    }

    deinit {
        for b in blocks { free(b) }
        free(chunk)
    }

    /// Frees everything handed out; the chunk is kept for reuse.
    func reset() {
        for b in blocks { free(b) }
        blocks.removeAll(keepingCapacity: true)
        used = 0
    }

    func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let size = max(1, MemoryLayout<T>.stride * count)
        let aligned = (size + 15) & ~15
        if let chunk, used + aligned <= chunkSize {
            let p = chunk + used
            used += aligned
            return p.bindMemory(to: T.self, capacity: count)
        }
        guard let raw = malloc(size) else { fatalError("out of memory") }
        blocks.append(raw)
        return raw.bindMemory(to: T.self, capacity: count)
    }

    func bytes(_ s: String) -> amqp_bytes_t {
        var s = s
        return s.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
    }

    func bytes(_ b: [UInt8]) -> amqp_bytes_t {
        b.withUnsafeBytes { bytes($0) }
    }

    func bytes(_ buffer: UnsafeRawBufferPointer) -> amqp_bytes_t {
        let p = allocate(UInt8.self, count: buffer.count)
        if let base = buffer.baseAddress, buffer.count > 0 { memcpy(p, base, buffer.count) }
        return amqp_bytes_t(len: buffer.count, bytes: UnsafeMutableRawPointer(p))
    }

    func table(_ t: FieldTable) -> amqp_table_t {
        if t.isEmpty { return amqp_table_t(num_entries: 0, entries: nil) }
        let entries = allocate(amqp_table_entry_t.self, count: t.count)
        // Sorted keys: deterministic encoding.
        for (i, key) in t.keys.sorted().enumerated() {
            guard let v = t[key] else { continue }
            entries[i] = amqp_table_entry_t(key: bytes(key), value: field(v))
        }
        return amqp_table_t(num_entries: Int32(t.count), entries: entries)
    }

    func field(_ v: FieldValue) -> amqp_field_value_t {
        var f = amqp_field_value_t()
        switch v {
        case .string(let s):
            f.kind = UInt8(AMQP_FIELD_KIND_UTF8.rawValue); f.value.bytes = bytes(s)
        case .bool(let b):
            f.kind = UInt8(AMQP_FIELD_KIND_BOOLEAN.rawValue); f.value.boolean = b ? 1 : 0
        case .int(let i):
            f.kind = UInt8(AMQP_FIELD_KIND_I64.rawValue); f.value.i64 = i
        case .double(let d):
            f.kind = UInt8(AMQP_FIELD_KIND_F64.rawValue); f.value.f64 = d
        case .table(let t):
            f.kind = UInt8(AMQP_FIELD_KIND_TABLE.rawValue); f.value.table = table(t)
        case .array(let a):
            f.kind = UInt8(AMQP_FIELD_KIND_ARRAY.rawValue)
            let entries = allocate(amqp_field_value_t.self, count: a.count)
            for (i, e) in a.enumerated() { entries[i] = field(e) }
            f.value.array = amqp_array_t(num_entries: Int32(a.count), entries: a.isEmpty ? nil : entries)
        case .bytes(let b):
            f.kind = UInt8(AMQP_FIELD_KIND_BYTES.rawValue); f.value.bytes = bytes(b)
        case .timestamp(let t):
            f.kind = UInt8(AMQP_FIELD_KIND_TIMESTAMP.rawValue); f.value.u64 = t
        case .void:
            f.kind = UInt8(AMQP_FIELD_KIND_VOID.rawValue)
        }
        return f
    }

    func properties(_ p: BasicProperties) -> amqp_basic_properties_t {
        var c = amqp_basic_properties_t()
        var flags: UInt32 = 0
        if let v = p.contentType { c.content_type = bytes(v); flags |= UInt32(AMQP_BASIC_CONTENT_TYPE_FLAG) }
        if let v = p.contentEncoding { c.content_encoding = bytes(v); flags |= UInt32(AMQP_BASIC_CONTENT_ENCODING_FLAG) }
        if let v = p.headers { c.headers = table(v); flags |= UInt32(AMQP_BASIC_HEADERS_FLAG) }
        if let v = p.deliveryMode { c.delivery_mode = v.rawValue; flags |= UInt32(AMQP_BASIC_DELIVERY_MODE_FLAG) }
        if let v = p.priority { c.priority = v; flags |= UInt32(AMQP_BASIC_PRIORITY_FLAG) }
        if let v = p.correlationID { c.correlation_id = bytes(v); flags |= UInt32(AMQP_BASIC_CORRELATION_ID_FLAG) }
        if let v = p.replyTo { c.reply_to = bytes(v); flags |= UInt32(AMQP_BASIC_REPLY_TO_FLAG) }
        if let v = p.expiration { c.expiration = bytes(v); flags |= UInt32(AMQP_BASIC_EXPIRATION_FLAG) }
        if let v = p.messageID { c.message_id = bytes(v); flags |= UInt32(AMQP_BASIC_MESSAGE_ID_FLAG) }
        if let v = p.timestamp { c.timestamp = v; flags |= UInt32(AMQP_BASIC_TIMESTAMP_FLAG) }
        if let v = p.type { c.type = bytes(v); flags |= UInt32(AMQP_BASIC_TYPE_FLAG) }
        if let v = p.userID { c.user_id = bytes(v); flags |= UInt32(AMQP_BASIC_USER_ID_FLAG) }
        if let v = p.appID { c.app_id = bytes(v); flags |= UInt32(AMQP_BASIC_APP_ID_FLAG) }
        c._flags = flags
        return c
    }
}
