import AMQP
import TestSupport
import Testing

// Connect errors that need no broker (ConnectErrorTests in AMQPIntegrationTests has the ones that do).

@Test("a malformed URL is rejected with .invalidURL")
func badURL() async {
    let e = await connectError("http://guest:secret@localhost:5672/")
    #expect(e?.code == .invalidURL)
    #expect(e?.message.contains("amqp://") == true)
    #expect(e?.message.contains("secret") == false)
    #expect(await connectError("amqp://localhost:notaport/")?.code == .invalidURL)
}

@Test("a port nobody listens on says connection refused")
func refused() async {
    let e = await connectError("amqp://guest:guest@127.0.0.1:1/")
    #expect(e?.code == .connectionRefused)
    #expect(e?.message == "cannot connect to 127.0.0.1:1: connection refused — is the broker running?")
}
