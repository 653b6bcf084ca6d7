import CRabbitMQ
#if canImport(Glibc)
    import Glibc
#endif

/// Copies of C values into Swift values; nothing here keeps a pointer into librabbitmq's pools.
enum CDecoding {
    static func string(_ b: amqp_bytes_t) -> String {
        guard b.len > 0, let p = b.bytes else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: b.len), as: UTF8.self)
    }

    /// True when `b` holds exactly the UTF-8 of `s` (compares without allocating).
    static func equals(_ b: amqp_bytes_t, _ s: String) -> Bool {
        var s = s
        return s.withUTF8 { u in
            guard u.count == b.len else { return false }
            guard u.count > 0, let p = b.bytes, let q = u.baseAddress else { return true }
            return memcmp(p, q, u.count) == 0
        }
    }

    static func bytes(_ b: amqp_bytes_t) -> [UInt8] {
        guard b.len > 0, let p = b.bytes else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: p, count: b.len))
    }

    static func table(_ t: amqp_table_t) -> FieldTable {
        var out = FieldTable()
        guard t.num_entries > 0, let entries = t.entries else { return out }
        out.reserveCapacity(Int(t.num_entries))
        for i in 0..<Int(t.num_entries) {
            out[string(entries[i].key)] = field(entries[i].value)
        }
        return out
    }

    static func field(_ f: amqp_field_value_t) -> FieldValue {
        switch UInt32(f.kind) {
        case AMQP_FIELD_KIND_BOOLEAN.rawValue: return .bool(f.value.boolean != 0)
        case AMQP_FIELD_KIND_I8.rawValue: return .int(Int64(f.value.i8))
        case AMQP_FIELD_KIND_U8.rawValue: return .int(Int64(f.value.u8))
        case AMQP_FIELD_KIND_I16.rawValue: return .int(Int64(f.value.i16))
        case AMQP_FIELD_KIND_U16.rawValue: return .int(Int64(f.value.u16))
        case AMQP_FIELD_KIND_I32.rawValue: return .int(Int64(f.value.i32))
        case AMQP_FIELD_KIND_U32.rawValue: return .int(Int64(f.value.u32))
        case AMQP_FIELD_KIND_I64.rawValue: return .int(f.value.i64)
        case AMQP_FIELD_KIND_U64.rawValue: return .int(Int64(bitPattern: f.value.u64))
        case AMQP_FIELD_KIND_F32.rawValue: return .double(Double(f.value.f32))
        case AMQP_FIELD_KIND_F64.rawValue: return .double(f.value.f64)
        case AMQP_FIELD_KIND_DECIMAL.rawValue:
            var v = Double(f.value.decimal.value)
            for _ in 0..<Int(f.value.decimal.decimals) { v /= 10 }
            return .double(v)
        case AMQP_FIELD_KIND_UTF8.rawValue:
            let raw = bytes(f.value.bytes)
            if let s = String(validating: raw, as: UTF8.self) { return .string(s) }
            return .bytes(raw)
        case AMQP_FIELD_KIND_BYTES.rawValue: return .bytes(bytes(f.value.bytes))
        case AMQP_FIELD_KIND_TIMESTAMP.rawValue: return .timestamp(f.value.u64)
        case AMQP_FIELD_KIND_TABLE.rawValue: return .table(table(f.value.table))
        case AMQP_FIELD_KIND_ARRAY.rawValue:
            let a = f.value.array
            guard a.num_entries > 0, let e = a.entries else { return .array([]) }
            return .array((0..<Int(a.num_entries)).map { field(e[$0]) })
        default: return .void
        }
    }

    static func properties(_ c: amqp_basic_properties_t) -> BasicProperties {
        let f = c._flags
        func has(_ flag: Int32) -> Bool { f & UInt32(flag) != 0 }
        var p = BasicProperties()
        if has(AMQP_BASIC_CONTENT_TYPE_FLAG) { p.contentType = string(c.content_type) }
        if has(AMQP_BASIC_CONTENT_ENCODING_FLAG) { p.contentEncoding = string(c.content_encoding) }
        if has(AMQP_BASIC_HEADERS_FLAG) { p.headers = table(c.headers) }
        if has(AMQP_BASIC_DELIVERY_MODE_FLAG) { p.deliveryMode = DeliveryMode(rawValue: c.delivery_mode) }
        if has(AMQP_BASIC_PRIORITY_FLAG) { p.priority = c.priority }
        if has(AMQP_BASIC_CORRELATION_ID_FLAG) { p.correlationID = string(c.correlation_id) }
        if has(AMQP_BASIC_REPLY_TO_FLAG) { p.replyTo = string(c.reply_to) }
        if has(AMQP_BASIC_EXPIRATION_FLAG) { p.expiration = string(c.expiration) }
        if has(AMQP_BASIC_MESSAGE_ID_FLAG) { p.messageID = string(c.message_id) }
        if has(AMQP_BASIC_TIMESTAMP_FLAG) { p.timestamp = c.timestamp }
        if has(AMQP_BASIC_TYPE_FLAG) { p.type = string(c.type) }
        if has(AMQP_BASIC_USER_ID_FLAG) { p.userID = string(c.user_id) }
        if has(AMQP_BASIC_APP_ID_FLAG) { p.appID = string(c.app_id) }
        return p
    }
}
