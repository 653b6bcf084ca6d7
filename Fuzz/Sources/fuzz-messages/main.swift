import FuzzSupport
import JobletCore

// Every JSON body a worker or the dispatcher consumes from the broker (and the replies rnx reads). Each
// input is tried as each type: the decoder is shared, so one input exercises them all.
FuzzDriver.run { data, count in
    let bytes = FuzzDriver.bytes(data, count)
    if let value = try? JSONCodec.parse(bytes), let text = try? JSONCodec.serialize(value) {
        precondition((try? JSONCodec.parse(text)) == value, "JSON value changed in a round trip")
    }
    if let message = RoundTrip.decode(JobMessage.self, bytes) {
        RoundTrip.check(message)
        // The worker's checks before it runs anything (JobRunner.decode).
        if message.jobID.count == 32, JobID.isPlausiblePrefix(message.jobID), (try? message.request.validate()) != nil,
            BrokerUserName.isValid(message.submitter)
        {
            _ = Topology.jobQueue(runtimeID: message.runtimeID, arch: "x86_64")
            if let limits = message.request.limits { WorkerLimits.apply(limits) }
        }
    }
    if let event = RoundTrip.decode(JobEvent.self, bytes) {
        RoundTrip.check(event)
    }
    if let advert = RoundTrip.decode(WorkerAdvert.self, bytes) {
        RoundTrip.check(advert)
        _ = try? advert.validate()
    }
    if let request = RoundTrip.decode(RPCRequest.self, bytes) { RoundTrip.check(request) }
    if let command = RoundTrip.decode(ControlCommand.self, bytes) { RoundTrip.check(command) }
    if let chunk = RoundTrip.decode(LogChunk.self, bytes) { RoundTrip.check(chunk) }
    if let response = try? JSONCodec.decode(RPCResponse.self, from: bytes, rejectUnknownKeys: false) { RoundTrip.check(response) }
    if let reply = try? JSONCodec.decode(SubmitReply.self, from: bytes, rejectUnknownKeys: false) { RoundTrip.check(reply) }
    return 0
}
